package lucid.engine.model;

import java.util.function.IntFunction;

import lucid.engine.gguf.GgufFile;
import lucid.engine.tensor.FloatTensor;

/**
 * The pieces architectures build models from, read from a file by llama.cpp's tensor names
 * ({@code token_embd}, {@code blk.N.attn_q}, ...) and checked against the configuration's shapes.
 * An {@link Architecture} says which pieces make its blocks; this class knows how each piece is
 * stored.
 */
final class ModelAssembly {

    private final TensorLookup t;
    private final ModelConfig c;
    private final RepackedWeights repacked;
    private final Rope[] ropes; // (ropeTables) 0: global layers, 1: sliding layers when they have their own

    ModelAssembly(GgufFile file, ModelConfig config, RepackedWeights repacked) {
        this.t = new TensorLookup(file);
        this.c = config;
        this.repacked = repacked;
        this.ropes = buildRopes();
    }

    static String name(int layer, String tensor) {
        return "blk." + layer + "." + tensor;
    }

    /** {@code blk.N.<tensor>.weight} as an RMSNorm over the residual stream. */
    RmsNorm norm(int layer, String tensor) {
        return new RmsNorm(t.vector(name(layer, tensor) + ".weight", c.embeddingLength()), c.rmsEps());
    }

    /** {@code blk.N.<tensor>.weight} as an RMSNorm over one head (Qwen3's and Gemma 3's q/k norms). */
    RmsNorm headNorm(int layer, String tensor) {
        return new RmsNorm(t.vector(name(layer, tensor) + ".weight", c.headDim()), c.rmsEps());
    }

    /**
     * {@code blk.N.<tensor>.weight} as a (rows, cols) matrix, with its {@code .bias} when the file has
     * one, reading a copy when {@link RepackedWeights} makes them.
     */
    Linear linear(int layer, String tensor, int rows, int cols) {
        return repacked.apply(mapped(layer, tensor, rows, cols));
    }

    /** {@link #linear} on the mapping always: for fused matrices, whose parts are copied one by one. */
    private Linear mapped(int layer, String tensor, int rows, int cols) {
        Linear w = t.matrix(name(layer, tensor) + ".weight", rows, cols);
        return t.optionalVector(name(layer, tensor) + ".bias", rows).map(w::withBias).orElse(w);
    }

    private Linear part(Linear fused, String name, int firstRow, int count) {
        return repacked.apply(fused.rows(name, firstRow, count));
    }

    /** Separate attn_q, attn_k, attn_v and attn_output, each with its bias if present (as llama.cpp loads them). */
    AttentionWeights separateProjections(int layer) {
        int dim = c.embeddingLength();
        return new AttentionWeights(linear(layer, "attn_q", c.queryDim(), dim), linear(layer, "attn_k", c.kvDim(), dim),
                linear(layer, "attn_v", c.kvDim(), dim), linear(layer, "attn_output", dim, c.queryDim()));
    }

    /** The same, failing when the q/k/v biases the architecture always has are missing (Qwen2). */
    AttentionWeights separateProjectionsWithBiases(int layer) {
        for (String p : new String[] {"attn_q", "attn_k", "attn_v"}) {
            if (!t.has(name(layer, p) + ".bias")) {
                throw new UnsupportedModelException("tensor '" + name(layer, p) + ".bias' is missing; "
                        + c.architecture() + " has biases on its query, key and value projections");
            }
        }
        return separateProjections(layer);
    }

    /**
     * Phi-3's fused {@code attn_qkv}: output rows {@code [0, queryDim)} are Q, the next kvDim K and
     * the last kvDim V. Files converted with separate projections work too.
     */
    AttentionWeights fusedOrSeparateProjections(int layer) {
        String fused = name(layer, "attn_qkv");
        if (!t.has(fused + ".weight")) {
            return separateProjections(layer);
        }
        int dim = c.embeddingLength();
        Linear qkv = mapped(layer, "attn_qkv", c.queryDim() + 2 * c.kvDim(), dim);
        return new AttentionWeights(part(qkv, fused + "[q]", 0, c.queryDim()),
                part(qkv, fused + "[k]", c.queryDim(), c.kvDim()),
                part(qkv, fused + "[v]", c.queryDim() + c.kvDim(), c.kvDim()),
                linear(layer, "attn_output", dim, c.queryDim()));
    }

    Attention attention(int layer, AttentionWeights weights) {
        int table = c.attention().slidingWindow().slides(layer) && ropes.length > 1 ? 1 : 0;
        return new Attention(c, layer, weights, ropes[table], table);
    }

    /** A pre-norm block with llama.cpp's norm names: {@code attn_norm} before attention, {@code ffn_norm} before the MLP. */
    TransformerBlock preNormBlock(int layer, AttentionWeights weights, FeedForward feedForward) {
        return new TransformerBlock(layer, BlockNorms.preNorm(norm(layer, "attn_norm"), norm(layer, "ffn_norm")),
                attention(layer, weights), feedForward);
    }

    /** Gemma's sandwich: also {@code post_attention_norm} and {@code post_ffw_norm} on each part's output. */
    TransformerBlock sandwichBlock(int layer, AttentionWeights weights, FeedForward feedForward) {
        return new TransformerBlock(layer, new BlockNorms(norm(layer, "attn_norm"), norm(layer, "post_attention_norm"),
                norm(layer, "ffn_norm"), norm(layer, "post_ffw_norm")), attention(layer, weights), feedForward);
    }

    /** ffn_gate, ffn_up and ffn_down. */
    GatedFeedForward gated(int layer, GatedFeedForward.Activation activation) {
        int dim = c.embeddingLength();
        int ffn = c.feedForwardLength();
        return new GatedFeedForward(activation, linear(layer, "ffn_gate", ffn, dim), linear(layer, "ffn_up", ffn, dim),
                linear(layer, "ffn_down", dim, ffn));
    }

    /** Phi-3's fused {@code ffn_up} (2 ffn, dim): rows {@code [0, ffn)} are the gate, the rest up. */
    GatedFeedForward fusedGateUp(int layer) {
        int dim = c.embeddingLength();
        int ffn = c.feedForwardLength();
        Linear gateUp = mapped(layer, "ffn_up", 2 * ffn, dim);
        String fused = name(layer, "ffn_up");
        return new GatedFeedForward(GatedFeedForward.Activation.SILU, part(gateUp, fused + "[gate]", 0, ffn),
                part(gateUp, fused + "[up]", ffn, ffn), linear(layer, "ffn_down", dim, ffn));
    }

    /**
     * The router {@code ffn_gate_inp} and the experts of {@code ffn_{gate,up,down}_exps}, plus the
     * shared expert ({@code ffn_*_shexp}, gated by {@code ffn_gate_inp_shexp}) when the configuration has one.
     */
    MixtureOfExperts experts(int layer) {
        ExpertConfig e = c.experts();
        int dim = c.embeddingLength();
        int ffn = e.feedForwardLength();
        Linear[] gate = t.experts(name(layer, "ffn_gate_exps.weight"), ffn, dim, e.count());
        Linear[] up = t.experts(name(layer, "ffn_up_exps.weight"), ffn, dim, e.count());
        Linear[] down = t.experts(name(layer, "ffn_down_exps.weight"), dim, ffn, e.count());
        GatedFeedForward[] experts = new GatedFeedForward[e.count()];
        for (int i = 0; i < experts.length; i++) {
            experts[i] = new GatedFeedForward(GatedFeedForward.Activation.SILU, gate[i], up[i], down[i]);
        }
        Linear router = linear(layer, "ffn_gate_inp", e.count(), dim);
        if (e.sharedFeedForwardLength() == 0) {
            return new MixtureOfExperts(router, experts, e);
        }
        int sffn = e.sharedFeedForwardLength();
        GatedFeedForward shared = new GatedFeedForward(GatedFeedForward.Activation.SILU,
                linear(layer, "ffn_gate_shexp", sffn, dim), linear(layer, "ffn_up_shexp", sffn, dim),
                linear(layer, "ffn_down_shexp", dim, sffn));
        Linear sharedGate = new Linear(name(layer, "ffn_gate_inp_shexp.weight"),
                t.tensor(name(layer, "ffn_gate_inp_shexp.weight"), dim), 1, dim);
        return new MixtureOfExperts(router, experts, e, shared, sharedGate);
    }

    /** Experts when the configuration has them, else the dense gated MLP. */
    FeedForward denseOrExperts(int layer, GatedFeedForward.Activation activation) {
        return c.experts().isEnabled() ? experts(layer) : gated(layer, activation);
    }

    /**
     * The whole model: {@code token_embd}, the blocks, {@code output_norm} and {@code output} (or the
     * embedding, tied, when the file has no output matrix).
     */
    Transformer transformer(IntFunction<TransformerBlock> block) {
        int dim = c.embeddingLength();
        TransformerBlock[] blocks = new TransformerBlock[c.blockCount()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = block.apply(l);
        }
        FloatTensor embedding = t.tensor("token_embd.weight", (long) c.vocabSize() * dim);
        Linear output = repacked.apply(t.optionalMatrix("output.weight", c.vocabSize(), dim)
                .orElseGet(() -> new Linear("token_embd.weight (tied)", embedding, c.vocabSize(), dim)));
        return new Transformer(c, embedding, blocks, new RmsNorm(t.vector("output_norm.weight", dim), c.rmsEps()),
                output, ropes);
    }

    /**
     * The global RoPE, with per-dimension frequency factors when the file has them (llama 3's
     * {@code rope_freqs}; Phi-3's {@code rope_factors_short} for LongRoPE), and the sliding layers'
     * own unscaled RoPE when they have one (Gemma 3).
     */
    private Rope[] buildRopes() {
        int half = c.ropeDimensions() / 2;
        float[] factors = t.optionalVector("rope_freqs.weight", half).orElse(null);
        if (factors == null && c.rope().scaling() instanceof RopeScaling.LongRope) {
            factors = t.vector("rope_factors_short.weight", half);
        }
        Rope global = new Rope(c.headDim(), c.rope(), factors);
        if (!c.attention().slidingWindow().hasLocalRope()) {
            return new Rope[] {global};
        }
        Rope local = new Rope(c.headDim(), c.rope().unscaledWithBase(c.attention().slidingWindow().localRopeTheta()), null);
        return new Rope[] {global, local};
    }
}
