package lucid.engine.sampling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Slow, obvious versions of the filters, written straight from their definitions with a full
 * boxed sort, to check the fast partial-sort paths against.
 */
final class ReferenceSampling {

    private ReferenceSampling() {
    }

    /** Token ids by descending logit, ascending id on ties. */
    static int[] rank(float[] logits) {
        return IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i])
                        .thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Ids kept by top-p: the smallest ranked prefix whose probability reaches p. */
    static List<Integer> topP(float[] logits, double p) {
        double[] probs = softmax(logits);
        List<Integer> kept = new ArrayList<>();
        double cumulative = 0;
        for (int id : rank(logits)) {
            kept.add(id);
            cumulative += probs[id];
            if (cumulative >= p) {
                break;
            }
        }
        return kept;
    }
}
