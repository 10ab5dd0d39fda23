package lucid.engine.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.IntConsumer;

import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.ForwardObserver;

/**
 * The logit lens: the model's final norm and output projection applied to the residual stream after
 * each layer, showing at which depth the eventual prediction appears. After the last layer it is
 * exactly the model's output distribution.
 */
public final class LogitLens {

    /**
     * @param top (layers, positions) the most likely tokens after each layer at each position
     */
    public record Result(int[] positions, List<List<List<Alternative>>> top) {
    }

    private LogitLens() {
    }

    /**
     * How many steps {@code progress} counts to for {@code tokens} tokens on a model of {@code layers}
     * layers: one per token of the forward pass, then one per layer whose residuals are projected
     * (on a large vocabulary the projections are most of the time).
     */
    public static int steps(int tokens, int layers) {
        return tokens + layers;
    }

    /**
     * Runs {@code tokens} and projects the residual after every layer at the chosen positions.
     *
     * @param positions positions to look at (others cost nothing extra)
     * @param progress  receives the steps done so far, out of {@link #steps}: the tokens the forward
     *                  pass has processed, then one more for each layer projected (may be null)
     */
    public static Result compute(LoadedModel model, int[] tokens, int[] positions, int topK, IntConsumer progress) {
        try (InferenceSession session = model.newSession(Math.max(1, tokens.length))) {
            return compute(session, tokens, positions, topK, progress);
        }
    }

    /**
     * As {@link #compute(LoadedModel, int[], int[], int, IntConsumer)} on a caller's session, so the
     * caller can cancel it; the session is reset first. Cancelling also stops the projections after
     * the forward pass, between layers.
     *
     * @throws CancellationException when {@code session.cancel()} is called meanwhile
     */
    public static Result compute(InferenceSession session, int[] tokens, int[] positions, int topK,
                                 IntConsumer progress) {
        LoadedModel model = session.model();
        int layers = model.config().blockCount();
        int dim = model.config().embeddingLength();
        boolean[] wanted = new boolean[tokens.length];
        int[] slot = new int[tokens.length];
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            if (p < 0 || p >= tokens.length) {
                throw new IllegalArgumentException("position " + p + " is outside the " + tokens.length + " tokens");
            }
            wanted[p] = true;
            slot[p] = i;
        }
        float[][][] residuals = new float[layers][positions.length][]; // (layers, positions, dim)
        Distribution distribution = new Distribution(model.tokenizer(), topK);
        List<List<List<Alternative>>> top = new ArrayList<>();
        session.reset();
        session.setObserver(new ForwardObserver() {
            @Override
            public boolean wantsAttention(int layer, int position) {
                return false;
            }

            @Override
            public void onAttention(int layer, int head, int position, float[] weights, int offset) {
            }

            @Override
            public boolean wantsResidual(int layer, int position) {
                return wanted[position];
            }

            @Override
            public void onResidual(int layer, int position, float[] residual) {
                residuals[layer][slot[position]] = java.util.Arrays.copyOf(residual, dim);
            }
        });
        try {
            // Batched, and without the output projection of every position: the lens projects the
            // residuals it wants itself, below.
            session.prefillLayers(tokens, layers, progress);
        } finally {
            session.setObserver(null);
        }
        for (int l = 0; l < layers; l++) {
            if (session.isCancelRequested()) {
                session.clearCancel();
                throw new CancellationException("cancelled while projecting layer " + l);
            }
            List<List<Alternative>> row = new ArrayList<>();
            for (int i = 0; i < positions.length; i++) {
                float[] logits = session.projectResidual(residuals[l][i]);
                row.add(distribution.of(positions[i], logits, 0, false, null).top());
            }
            top.add(row);
            if (progress != null) {
                progress.accept(tokens.length + l + 1);
            }
        }
        return new Result(positions.clone(), top);
    }
}
