package lucid.engine.inspect;

import java.util.Arrays;
import java.util.function.IntConsumer;

import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;

/**
 * Which input tokens an output token depended on, by occlusion (leave one out): token {@code j} is
 * removed from the context and the drop in the target token's log-probability is its score.
 * Positive: the token helped predict the target; negative: it worked against it.
 *
 * <p>Removing token {@code j} leaves tokens {@code 0..j-1} untouched, so their keys and values are
 * reused: the session is rewound to {@code j} and only the tokens after it are run again. Going
 * from the last input token to the first, the whole computation costs about t²/2 token steps for a
 * target at position t instead of t².
 */
public final class OcclusionAttribution {

    /**
     * @param targetPosition position of the attributed token in {@code tokens}
     * @param targetId       the attributed token
     * @param baseLogprob    its log-probability with the full context
     * @param scores         (targetPosition) per input position: baseLogprob minus the log-probability
     *                       without that token; NaN where nothing would remain to predict from
     */
    public record Result(int targetPosition, int targetId, double baseLogprob, double[] scores) {
        public Result {
            scores = scores.clone();
        }

        @Override
        public double[] scores() {
            return scores.clone();
        }
    }

    private OcclusionAttribution() {
    }

    /**
     * @param tokens         the sequence; {@code tokens[targetPosition]} is attributed to the tokens before it
     * @param progress       receives the number of input tokens done (may be null)
     * @throws java.util.concurrent.CancellationException when {@code session.cancel()} is called meanwhile
     */
    public static Result compute(LoadedModel model, int[] tokens, int targetPosition, IntConsumer progress) {
        if (targetPosition < 1 || targetPosition >= tokens.length) {
            throw new IllegalArgumentException("target position must be between 1 and " + (tokens.length - 1)
                    + ", got " + targetPosition);
        }
        int target = tokens[targetPosition];
        try (InferenceSession session = model.newSession(targetPosition + 1)) {
            return compute(session, tokens, targetPosition, target, progress);
        }
    }

    /** As {@link #compute(LoadedModel, int[], int, IntConsumer)} on a caller's (cancellable) empty session. */
    public static Result compute(InferenceSession session, int[] tokens, int targetPosition, int target,
                                 IntConsumer progress) {
        session.reset();
        int[] context = Arrays.copyOf(tokens, targetPosition);
        double base = logprob(session.prefill(context), target);
        double[] scores = new double[targetPosition];
        int done = 0;
        for (int j = targetPosition - 1; j >= 0; j--) {
            int[] after = Arrays.copyOfRange(context, j + 1, targetPosition);
            float[] logits;
            if (after.length > 0) {
                session.rewind(session.position() - j);
                logits = session.prefill(after);
            } else if (j > 0) {
                // Removing the last context token: the prediction comes from token j-1 itself, whose
                // logits were not kept, so step it again.
                session.rewind(session.position() - (j - 1));
                logits = session.prefill(new int[] {context[j - 1]});
            } else {
                logits = null;
            }
            scores[j] = logits == null ? Double.NaN : base - logprob(logits, target);
            if (progress != null) {
                progress.accept(++done);
            }
        }
        return new Result(targetPosition, target, base, scores);
    }

    private static double logprob(float[] logits, int id) {
        return Distribution.logSoftmax(logits, id);
    }
}
