package lucid.engine.inspect;

import java.util.ArrayList;
import java.util.List;

import lucid.engine.sampling.CandidatesView;
import lucid.engine.tokenizer.Tokenizer;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * Statistics of a next-token distribution: probability, log-probability and rank of a token, the
 * entropy, and the top k. All sums run in double and subtract the maximum first, so vocabularies of
 * 150k tokens with logits in the hundreds neither overflow nor lose the tail.
 */
public final class Distribution {

    /** The most alternatives a caller may ask for: views show at most 20. */
    public static final int MAX_TOP_K = 20;

    private final Tokenizer tokenizer;
    private final int topK;
    private final int[] topIds;     // (topK) scratch, best first
    private final double[] topVals; // (topK)

    public Distribution(Tokenizer tokenizer, int topK) {
        if (topK < 0 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("top-k must be between 0 and " + MAX_TOP_K + ", got " + topK);
        }
        this.tokenizer = tokenizer;
        this.topK = topK;
        this.topIds = new int[topK];
        this.topVals = new double[topK];
    }

    public int topK() {
        return topK;
    }

    /** {@code log(softmax(logits)[id])}, in double, without overflow or underflow. */
    public static double logSoftmax(float[] logits, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[id] - max - Math.log(sum);
    }

    /** Statistics of token {@code id} under {@code softmax(logits)}. */
    public TokenProbability of(int position, float[] logits, int id, boolean generated, SampledView sampled) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double weighted = 0;
        for (float l : logits) {
            double e = Math.exp(l - max);
            sum += e;
            weighted += e * (l - max);
        }
        double logSum = Math.log(sum);
        // H = -sum p log p with log p = (l - max) - logSum.
        double entropy = logSum - weighted / sum;
        float target = logits[id];
        int rank = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > target || (logits[i] == target && i < id)) {
                rank++;
            }
        }
        double logprob = target - max - logSum;
        int n = selectTop(logits.length, i -> logits[i]);
        List<Alternative> top = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            top.add(new Alternative(topIds[k], piece(topIds[k]), Math.exp(topVals[k] - max - logSum)));
        }
        return new TokenProbability(position, id, piece(id), Math.exp(logprob), logprob, rank, entropy, top, generated,
                sampled);
    }

    /** The stage's candidates as a {@link SamplerStage}; the view must hold probabilities. */
    public SamplerStage stage(String name, CandidatesView view) {
        double entropy = 0;
        for (int i = 0; i < view.size(); i++) {
            double p = view.probability(i);
            if (p > 0) {
                entropy -= p * Math.log(p);
            }
        }
        return new SamplerStage(name, view.size(), entropy, top(view));
    }

    /** As {@link #stage(String, CandidatesView)}, with token {@code id}'s probability and rank there. */
    public SamplerStage stage(String name, CandidatesView view, int id) {
        SamplerStage s = stage(name, view);
        double prob = 0;
        int at = -1;
        for (int i = 0; i < view.size(); i++) {
            if (view.id(i) == id) {
                prob = view.probability(i);
                at = i;
                break;
            }
        }
        int rank = -1;
        if (at >= 0) {
            rank = 0;
            for (int i = 0; i < view.size(); i++) {
                double p = view.probability(i);
                if (p > prob || (p == prob && view.id(i) < id)) {
                    rank++;
                }
            }
        }
        return new SamplerStage(name, s.candidates(), s.entropy(), s.top(), prob, rank);
    }

    /** The token {@code id} under the stage's distribution. */
    public SampledView sampled(CandidatesView view, int id, List<SamplerStage> stages) {
        SamplerStage last = stage("sampled", view, id);
        return new SampledView(last.prob(), last.rank(), last.entropy(), last.top(), stages);
    }

    private List<Alternative> top(CandidatesView view) {
        int n = selectTop(view.size(), view::probability);
        List<Alternative> top = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int id = view.id(topIds[k]);
            top.add(new Alternative(id, piece(id), topVals[k]));
        }
        return top;
    }

    private interface Score {
        double at(int index);
    }

    /** Fills topIds/topVals with the k best indices (ties: lower index first); returns how many. */
    private int selectTop(int size, Score score) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            double v = score.at(i);
            if (n == topK && (topK == 0 || v <= topVals[n - 1])) {
                continue;
            }
            int k = n < topK ? n++ : n - 1;
            while (k > 0 && topVals[k - 1] < v) {
                topVals[k] = topVals[k - 1];
                topIds[k] = topIds[k - 1];
                k--;
            }
            topVals[k] = v;
            topIds[k] = i;
        }
        return n;
    }

    private String piece(int id) {
        return Utf8StreamDecoder.decodeAll(tokenizer.tokenPiece(id, true));
    }
}
