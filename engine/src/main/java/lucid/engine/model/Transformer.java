package lucid.engine.model;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;

/**
 * A decoder-only transformer assembled from shared blocks: token embedding (optionally scaled),
 * blocks, final norm, output projection (optionally soft-capped). Architectures differ only in how
 * they build it from a file.
 */
public final class Transformer {

    private final ModelConfig config;
    private final FloatTensor embedding;      // (vocab, dim)
    private final TransformerBlock[] blocks;  // (layers)
    private final RmsNorm outputNorm;         // (dim)
    private final Linear output;              // (vocab, dim)
    private final Rope[] ropes;               // (ropeTables) table t of the state holds ropes[t]'s angles

    public Transformer(ModelConfig config, FloatTensor embedding, TransformerBlock[] blocks, RmsNorm outputNorm,
                       Linear output, Rope[] ropes) {
        if (ropes.length != config.ropeTableCount()) {
            throw new IllegalArgumentException(ropes.length + " RoPE tables, the configuration needs "
                    + config.ropeTableCount());
        }
        this.config = config;
        this.embedding = embedding;
        this.blocks = blocks.clone();
        this.outputNorm = outputNorm;
        this.output = output;
        this.ropes = ropes.clone();
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Runs token {@code token} at position {@code pos}, appending to {@code cache}. When
     * {@code computeLogits} is set, {@code s.logits()} holds the distribution for the next token.
     */
    public void forward(Backend backend, ForwardState s, KvCache cache, int token, int pos, boolean computeLogits) {
        int dim = config.embeddingLength();
        embedding.dequantize((long) token * dim, s.x, 0, dim);
        float embeddingScale = config.embeddingScale();
        if (embeddingScale != 1f) {
            for (int i = 0; i < dim; i++) {
                s.x[i] *= embeddingScale;
            }
        }
        for (int t = 0; t < ropes.length; t++) {
            ropes[t].angles(pos, s.ropeCos[t], s.ropeSin[t]);
        }
        ForwardObserver observer = s.observer;
        for (int l = 0; l < blocks.length; l++) {
            blocks[l].forward(backend, s, cache, pos);
            if (observer != null && observer.wantsResidual(l, pos)) {
                observer.onResidual(l, pos, s.x);
            }
        }
        if (computeLogits) {
            project(backend, s.x, s.xb, s.logits);
        }
    }

    /**
     * Runs {@code batch} prompt tokens {@code tokens[from ..]} at positions {@code firstPos ..} in one
     * pass ({@code batch <= bs.capacity()}), appending to {@code cache}; row {@code b} of the residual
     * stays in the batch state for {@link #projectBatchRow}. Each token gets its own RoPE angles and
     * sees the cache up to its own position. Observers are asked per position, as in {@link #forward}.
     */
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, KvCache cache, int[] tokens, int from,
                             int batch, int firstPos) {
        forwardBatch(backend, s, bs, cache, tokens, from, batch, firstPos, blocks.length);
    }

    /**
     * As {@link #forwardBatch(Backend, ForwardState, BatchState, KvCache, int[], int, int, int)} through
     * the first {@code layers} blocks only (inspection of early layers): the cache of later blocks is
     * left as it was, and the residual rows are the output of block {@code layers - 1}.
     */
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, KvCache cache, int[] tokens, int from,
                             int batch, int firstPos, int layers) {
        if (layers < 1 || layers > blocks.length) {
            throw new IllegalArgumentException("layers " + layers + ": the model has 1.." + blocks.length);
        }
        embedBatch(s, bs, tokens, from, batch, firstPos);
        int dim = config.embeddingLength();
        ForwardObserver observer = s.observer;
        for (int l = 0; l < layers; l++) {
            blocks[l].forwardBatch(backend, s, bs, cache, firstPos, batch);
            for (int b = 0; observer != null && b < batch; b++) {
                if (observer.wantsResidual(l, firstPos + b)) {
                    System.arraycopy(bs.x, b * dim, s.x, 0, dim);
                    observer.onResidual(l, firstPos + b, s.x);
                }
            }
        }
    }

    /**
     * A chunk of a prompt of which only the last token's logits are wanted, and only when
     * {@code logits} is set (the prompt's last chunk): as {@link #forwardBatch} followed by
     * {@link #projectBatchRow} for the last row, but the last block attends and runs its feed-forward
     * for that one token only, and for none in an earlier chunk; the other tokens' keys and values
     * are cached all the same. Their outputs of the last block feed nothing, so llama.cpp skips them
     * too. With an observer attached every row runs every block, for the observer to see.
     */
    public void forwardPrompt(Backend backend, ForwardState s, BatchState bs, KvCache cache, int[] tokens, int from,
                              int batch, int firstPos, boolean logits) {
        if (s.observer != null) {
            forwardBatch(backend, s, bs, cache, tokens, from, batch, firstPos);
            if (logits) {
                projectBatchRow(backend, s, bs, batch - 1);
            }
            return;
        }
        embedBatch(s, bs, tokens, from, batch, firstPos);
        int lastBlock = blocks.length - 1;
        for (int l = 0; l < lastBlock; l++) {
            blocks[l].forwardBatch(backend, s, bs, cache, firstPos, batch);
        }
        blocks[lastBlock].forwardBatchLast(backend, s, bs, cache, firstPos, batch, logits);
        if (logits) {
            project(backend, s.x, s.xb, s.logits);
        }
    }

    // The tokens' embeddings into the rows of bs.x, and their RoPE angles into bs's tables.
    private void embedBatch(ForwardState s, BatchState bs, int[] tokens, int from, int batch, int firstPos) {
        if (batch < 1 || batch > bs.capacity()) {
            throw new IllegalArgumentException("batch of " + batch + " tokens, the state holds 1.." + bs.capacity());
        }
        int dim = config.embeddingLength();
        float embeddingScale = config.embeddingScale();
        for (int b = 0; b < batch; b++) {
            int row = b * dim;
            embedding.dequantize((long) tokens[from + b] * dim, bs.x, row, dim);
            if (embeddingScale != 1f) {
                for (int i = 0; i < dim; i++) {
                    bs.x[row + i] *= embeddingScale;
                }
            }
        }
        int half = bs.ropeHalf;
        for (int t = 0; t < ropes.length; t++) {
            for (int b = 0; b < batch; b++) {
                // The per-token tables are the scratch: angles() fills a table from its start.
                ropes[t].angles(firstPos + b, s.ropeCos[t], s.ropeSin[t]);
                System.arraycopy(s.ropeCos[t], 0, bs.ropeCos[t], b * half, s.ropeCos[t].length);
                System.arraycopy(s.ropeSin[t], 0, bs.ropeSin[t], b * half, s.ropeSin[t].length);
            }
        }
    }

    /**
     * The logits after row {@code b} of the last {@link #forwardBatch}, into {@code s.logits()}.
     */
    public void projectBatchRow(Backend backend, ForwardState s, BatchState bs, int b) {
        int dim = config.embeddingLength();
        System.arraycopy(bs.x, b * dim, s.x, 0, dim);
        project(backend, s.x, s.xb, s.logits);
    }

    /**
     * The logits after every row of the last {@link #forwardBatch} ({@code batch} rows, the first at
     * {@code firstPos}), handed to {@code sink} in order, each in {@code s.logits()} (the same array
     * every time). The output
     * projection runs for several rows at once, reading the vocabulary matrix once per group.
     */
    public void projectBatch(Backend backend, ForwardState s, BatchState bs, int batch, int firstPos,
                             BatchRowSink sink) {
        int dim = config.embeddingLength();
        int vocab = config.vocabSize();
        int group = BatchState.headRows(bs.capacity());
        float cap = config.finalLogitSoftcap();
        for (int from = 0; from < batch; from += group) {
            int n = Math.min(group, batch - from);
            // Rows of bs.xb are free once the blocks are done: they hold the normalized rows.
            for (int b = 0; b < n; b++) {
                outputNorm.apply(bs.xb, b * dim, bs.x, (from + b) * dim);
            }
            output.applyBatch(backend, bs.xb, bs.logits, n);
            for (int b = 0; b < n; b++) {
                System.arraycopy(bs.logits, b * vocab, s.logits, 0, vocab);
                if (cap > 0f) {
                    for (int i = 0; i < vocab; i++) {
                        s.logits[i] = cap * (float) Math.tanh(s.logits[i] / cap);
                    }
                }
                sink.accept(firstPos + from + b, s.logits);
            }
        }
    }

    /** Receives the logits at {@code position}; the array is reused. */
    @FunctionalInterface
    public interface BatchRowSink {
        void accept(int position, float[] logits);
    }

    /**
     * The model's head: final norm, output projection and soft-capping of {@code residual} (dim) into
     * {@code logits} (vocab), using {@code scratch} (dim). Applied to the residual after an inner
     * layer, it is the logit lens.
     */
    public void project(Backend backend, float[] residual, float[] scratch, float[] logits) {
        outputNorm.apply(scratch, residual);
        output.apply(backend, scratch, logits);
        float cap = config.finalLogitSoftcap();
        if (cap > 0f) {
            for (int i = 0; i < logits.length; i++) {
                logits[i] = cap * (float) Math.tanh(logits[i] / cap);
            }
        }
    }
}
