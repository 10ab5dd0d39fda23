package lucid.engine.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

import lucid.engine.gguf.GgufArray;
import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufWriter;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Quantizer;

/**
 * A random-weight model of a chosen architecture, shape and tensor type, planned first (tensor table,
 * metadata, sizes) and then streamed to a GGUF file tensor by tensor, so that even a billion-weight
 * file is written without holding it in memory.
 *
 * <p>The weights follow the golden synthetic models (shared/golden): matrices N(0, 0.02), norm
 * weights 1 + N(0, 0.1), biases and routers N(0, 0.1). Each tensor draws from its own generator seeded
 * from the seed and the tensor's index, so the same seed gives the same weights in every type (an F16
 * file is the F32 file rounded). 2-D and 3-D weights take the chosen type, or under a
 * {@link SyntheticMix} the type {@code llama-quantize} would give each; norms, biases, routers and
 * RoPE factors stay F32, as {@code llama-quantize} leaves them. The tokenizer is a
 * {@link SyntheticVocabulary} of the preset's size.
 *
 * <p>Architecture-specific choices on top of the preset: experts (4, 2 used, each a quarter of the
 * dense MLP rounded down to a multiple of 256, at least 256; Qwen2-MoE's shared expert as wide as the
 * dense MLP), Gemma's sliding window of {@code max(8, context / 64)} (Gemma 2 with its real soft-caps
 * 50 and 30), Phi-3's window of {@code context / 2 - 1} like Phi-3-mini's 2047 of 4096.
 */
public final class SyntheticModel {

    /** Standard deviation of weight matrices. */
    public static final double WEIGHT_SD = 0.02;
    /** Standard deviation of norm weights around 1, and of biases and routers around 0. */
    public static final double SMALL_SD = 0.1;

    /** How a tensor's values are drawn. */
    public sealed interface Init {
        /** Independent normal values. */
        record Normal(double mean, double sd) implements Init {
        }

        /** Fixed values (llama 3's RoPE factors). */
        record Values(float[] values) implements Init {
        }
    }

    /**
     * One tensor of the plan.
     *
     * @param dims GGUF order: the input dimension (row length) first
     */
    public record PlannedTensor(String name, long[] dims, GgmlType type, Init init) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        public long bytes() {
            return type.byteSize(elements());
        }

        @Override
        public String toString() {
            return name + " " + type + " " + Arrays.toString(dims);
        }
    }

    private final SyntheticArchitecture arch;
    private final SyntheticPreset preset;
    private final GgmlType type;
    private final SyntheticMix mix;             // null: every matrix is of one type
    private final GgufWriter metadata;          // metadata only; tensors are added when writing
    private final List<PlannedTensor> tensors;

    private SyntheticModel(SyntheticArchitecture arch, SyntheticPreset preset, GgmlType type, SyntheticMix mix,
                           GgufWriter metadata, List<PlannedTensor> tensors) {
        this.arch = arch;
        this.preset = preset;
        this.type = type;
        this.mix = mix;
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
    }

    /** Whether weights can be written in {@code type}. */
    public static boolean canWrite(GgmlType type) {
        return Quantizer.supports(type);
    }

    /**
     * Plans a model.
     *
     * @throws IllegalArgumentException when the type cannot be written, or a weight's rows are not a
     *                                  whole number of the type's blocks (naming the tensor)
     */
    public static SyntheticModel plan(SyntheticArchitecture arch, SyntheticPreset preset, GgmlType type) {
        if (!Quantizer.supports(type)) {
            throw new IllegalArgumentException("lab synth cannot write " + type + " weights (it writes: "
                    + String.join(", ", Arrays.stream(GgmlType.values()).filter(Quantizer::supports)
                            .map(Enum::name).toList()) + ")");
        }
        return plan(arch, preset, type, null);
    }

    /**
     * Plans a model whose matrices take the types {@code llama-quantize} gives them for a mixed file
     * type, such as {@link SyntheticMix#Q4_K_M}.
     */
    public static SyntheticModel plan(SyntheticArchitecture arch, SyntheticPreset preset, SyntheticMix mix) {
        return plan(arch, preset, mix.base(), mix);
    }

    private static SyntheticModel plan(SyntheticArchitecture arch, SyntheticPreset preset, GgmlType type,
                                       SyntheticMix mix) {
        Planner p = new Planner(arch, preset, type, mix);
        p.plan();
        for (PlannedTensor t : p.tensors) {
            if (t.dims()[0] % t.type().blockSize() != 0) {
                throw new IllegalArgumentException(t.type() + " stores rows in blocks of " + t.type().blockSize()
                        + " weights, but " + t.name() + " of " + arch.name() + " " + preset.name() + " has rows of "
                        + t.dims()[0] + "; choose another type");
            }
        }
        return new SyntheticModel(arch, preset, type, mix, p.md, p.tensors);
    }

    public SyntheticArchitecture architecture() {
        return arch;
    }

    public SyntheticPreset preset() {
        return preset;
    }

    /** The type of the matrices; for a mix, of most of them (its base). */
    public GgmlType type() {
        return type;
    }

    /** The mix, when the matrices' types follow one. */
    public java.util.Optional<SyntheticMix> mix() {
        return java.util.Optional.ofNullable(mix);
    }

    /** The file type's name: the mix's ({@code Q4_K_M}) or the one type's. */
    public String typeName() {
        return mix != null ? mix.name() : type.name();
    }

    /** The tensor table, in file order. */
    public List<PlannedTensor> tensors() {
        return tensors;
    }

    public GgufMetadata metadata() {
        return metadata.metadata();
    }

    public long parameterCount() {
        return tensors.stream().mapToLong(PlannedTensor::elements).sum();
    }

    /** Bytes of tensor data, without alignment padding. */
    public long tensorBytes() {
        return tensors.stream().mapToLong(PlannedTensor::bytes).sum();
    }

    /**
     * The size of the file {@link #write} makes: the metadata as the writer encodes it, the tensor
     * table (per tensor: name, dimension count, dimensions, type, offset), padding to the alignment,
     * and each tensor's data padded to the alignment.
     */
    public long fileSize() {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try {
            metadata.write(header); // with no tensors: magic, version, counts and metadata, unpadded
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        long size = header.size();
        for (PlannedTensor t : tensors) {
            size += 8 + t.name().getBytes(StandardCharsets.UTF_8).length + 4 + 8L * t.dims().length + 4 + 8;
        }
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        size = alignUp(size, alignment);
        for (PlannedTensor t : tensors) {
            size += alignUp(t.bytes(), alignment);
        }
        return size;
    }

    private static long alignUp(long n, int alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /**
     * Writes the model to {@code path} (through a {@code .partial} file that replaces it at the end).
     *
     * @param progress receives the number of tensor bytes written so far, after each chunk (may be null)
     */
    public void write(Path path, long seed, LongConsumer progress) throws IOException {
        GgufWriter w = new GgufWriter().putAll(metadata.metadata());
        long[] written = {0};
        for (int i = 0; i < tensors.size(); i++) {
            PlannedTensor t = tensors.get(i);
            long tensorSeed = seed ^ (0x9E3779B97F4A7C15L * (i + 1));
            w.addTensor(t.name(), t.type(), t.dims(), GgufWriter.TensorData.streamed(out -> {
                stream(t, tensorSeed, out, bytes -> {
                    written[0] += bytes;
                    if (progress != null) {
                        progress.accept(written[0]);
                    }
                });
            }));
        }
        w.write(path);
    }

    /** Draws and encodes one tensor in chunks of whole blocks. */
    private static void stream(PlannedTensor t, long seed, OutputStream out, LongConsumer bytesWritten) throws IOException {
        long n = t.elements();
        int block = t.type().blockSize();
        int chunk = (int) Math.min(n, Math.max(block, (1 << 16) / block * block));
        float[] buf = new float[chunk];
        SplittableRandom rng = new SplittableRandom(seed);
        for (long done = 0; done < n; done += chunk) {
            int len = (int) Math.min(chunk, n - done);
            switch (t.init()) {
                case Init.Normal(double mean, double sd) -> {
                    for (int i = 0; i < len; i++) {
                        buf[i] = (float) (mean + sd * rng.nextGaussian());
                    }
                }
                case Init.Values(float[] values) -> System.arraycopy(values, (int) done, buf, 0, len);
            }
            byte[] bytes = Quantizer.quantize(t.type(), buf, 0, len);
            out.write(bytes);
            bytesWritten.accept(bytes.length);
        }
    }

    /** Builds the metadata and the tensor table of one architecture and preset. */
    private static final class Planner {
        final SyntheticArchitecture arch;
        final SyntheticPreset s;
        final GgmlType type;
        final SyntheticMix mix;
        final GgufWriter md = new GgufWriter();
        final List<PlannedTensor> tensors = new ArrayList<>();
        final String p;

        Planner(SyntheticArchitecture arch, SyntheticPreset preset, GgmlType type, SyntheticMix mix) {
            this.arch = arch;
            this.s = preset;
            this.type = type;
            this.mix = mix;
            this.p = arch.ggufName() + ".";
        }

        int queryDim() {
            return s.heads() * s.headDim();
        }

        int kvDim() {
            return s.kvHeads() * s.headDim();
        }

        int expertFeedForward() {
            return Math.max(256, s.feedForward() / 4 / 256 * 256);
        }

        boolean tied() {
            return s.tiedEmbeddings() || arch.gemma();
        }

        void plan() {
            general();
            hyperparameters();
            tokenizer();
            int dim = s.embedding();
            weight("token_embd.weight", dim, s.vocab());
            norm("output_norm.weight", dim);
            if (!tied()) {
                weight("output.weight", dim, s.vocab());
            }
            if (s.llama3Rope() != null && arch.ggufName().equals("llama")) {
                tensors.add(new PlannedTensor("rope_freqs.weight", new long[] {s.headDim() / 2}, GgmlType.F32,
                        new Init.Values(s.llama3Rope().frequencyFactors(s.ropeTheta(), s.headDim()))));
            }
            for (int l = 0; l < s.layers(); l++) {
                layer(l);
            }
        }

        void general() {
            md.putString("general.architecture", arch.ggufName());
            md.putString("general.name", "synth-" + arch.name() + "-" + s.name());
            md.putUInt32("general.file_type", mix != null ? mix.fileType() : fileType(type));
            if (type.isQuantized()) {
                md.putUInt32("general.quantization_version", 2);
            }
        }

        void hyperparameters() {
            md.putUInt32(p + "context_length", s.context());
            md.putUInt32(p + "embedding_length", s.embedding());
            md.putUInt32(p + "block_count", s.layers());
            md.putUInt32(p + "feed_forward_length",
                    arch.experts() == SyntheticArchitecture.Experts.MIXTRAL ? expertFeedForward() : s.feedForward());
            md.putUInt32(p + "attention.head_count", s.heads());
            md.putUInt32(p + "attention.head_count_kv", s.kvHeads());
            md.putFloat32(p + "attention.layer_norm_rms_epsilon", s.rmsEps());
            md.putFloat32(p + "rope.freq_base", s.ropeTheta());
            md.putUInt32(p + "rope.dimension_count", s.headDim());
            if (arch.headNorms() || arch.gemma() || s.headDim() * s.heads() != s.embedding()) {
                md.putUInt32(p + "attention.key_length", s.headDim());
                md.putUInt32(p + "attention.value_length", s.headDim());
            }
            if (arch.experts() != SyntheticArchitecture.Experts.NONE) {
                md.putUInt32(p + "expert_count", 4);
                md.putUInt32(p + "expert_used_count", 2);
                if (arch.experts() != SyntheticArchitecture.Experts.MIXTRAL) {
                    md.putUInt32(p + "expert_feed_forward_length", expertFeedForward());
                }
                if (arch.experts() == SyntheticArchitecture.Experts.QWEN2_MOE) {
                    md.putUInt32(p + "expert_shared_feed_forward_length", s.feedForward());
                }
            }
            if (arch.name().equals("gemma2") || arch.name().equals("gemma3")) {
                md.putUInt32(p + "attention.sliding_window", Math.max(8, s.context() / 64));
            }
            if (arch.name().equals("gemma2")) {
                md.putFloat32(p + "attn_logit_softcapping", 50f);
                md.putFloat32(p + "final_logit_softcapping", 30f);
            }
            if (arch.fused()) {
                md.putUInt32(p + "attention.sliding_window", Math.max(1, s.context() / 2 - 1));
            }
        }

        void tokenizer() {
            SyntheticVocabulary.Tokens v = SyntheticVocabulary.generate(s.vocab());
            md.putString("tokenizer.ggml.model", "llama");
            md.putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(v.tokens()));
            md.putArray("tokenizer.ggml.scores", GgufArray.ofFloat32(v.scores()));
            md.putArray("tokenizer.ggml.token_type", GgufArray.ofInt32(v.types()));
            md.putUInt32("tokenizer.ggml.bos_token_id", 1);
            md.putUInt32("tokenizer.ggml.eos_token_id", 2);
            md.putUInt32("tokenizer.ggml.unknown_token_id", 0);
            md.putBool("tokenizer.ggml.add_bos_token", true);
        }

        void layer(int l) {
            String b = "blk." + l + ".";
            int dim = s.embedding();
            norm(b + "attn_norm.weight", dim);
            if (arch.fused()) {
                weight(b + "attn_qkv.weight", dim, queryDim() + 2 * kvDim());
            } else {
                weight(b + "attn_q.weight", dim, queryDim());
                weight(b + "attn_k.weight", dim, kvDim());
                weight(b + "attn_v.weight", dim, kvDim());
            }
            if (arch.qkvBias()) {
                small(b + "attn_q.bias", queryDim());
                small(b + "attn_k.bias", kvDim());
                small(b + "attn_v.bias", kvDim());
            }
            if (arch.headNorms()) {
                norm(b + "attn_q_norm.weight", s.headDim());
                norm(b + "attn_k_norm.weight", s.headDim());
            }
            weight(b + "attn_output.weight", queryDim(), dim);
            if (arch.postNorms()) {
                norm(b + "post_attention_norm.weight", dim);
            }
            norm(b + "ffn_norm.weight", dim);
            if (arch.experts() != SyntheticArchitecture.Experts.NONE) {
                experts(b, dim);
            } else if (arch.fused()) {
                weight(b + "ffn_up.weight", dim, 2 * s.feedForward());
                weight(b + "ffn_down.weight", s.feedForward(), dim);
            } else {
                weight(b + "ffn_gate.weight", dim, s.feedForward());
                weight(b + "ffn_up.weight", dim, s.feedForward());
                weight(b + "ffn_down.weight", s.feedForward(), dim);
            }
            if (arch.postNorms()) {
                norm(b + "post_ffw_norm.weight", dim);
            }
        }

        void experts(String b, int dim) {
            int ffn = expertFeedForward();
            tensors.add(new PlannedTensor(b + "ffn_gate_inp.weight", new long[] {dim, 4}, GgmlType.F32,
                    new Init.Normal(0, SMALL_SD)));
            weight(b + "ffn_gate_exps.weight", dim, ffn, 4);
            weight(b + "ffn_up_exps.weight", dim, ffn, 4);
            weight(b + "ffn_down_exps.weight", ffn, dim, 4);
            if (arch.experts() == SyntheticArchitecture.Experts.QWEN2_MOE) {
                small(b + "ffn_gate_inp_shexp.weight", dim);
                weight(b + "ffn_gate_shexp.weight", dim, s.feedForward());
                weight(b + "ffn_up_shexp.weight", dim, s.feedForward());
                weight(b + "ffn_down_shexp.weight", s.feedForward(), dim);
            }
        }

        void weight(String name, long... dims) {
            GgmlType t = mix != null ? mix.typeOf(name, dims[0], s.layers(), tied()) : type;
            tensors.add(new PlannedTensor(name, dims, t, new Init.Normal(0, WEIGHT_SD)));
        }

        void norm(String name, int length) {
            tensors.add(new PlannedTensor(name, new long[] {length}, GgmlType.F32, new Init.Normal(1, SMALL_SD)));
        }

        void small(String name, int length) {
            tensors.add(new PlannedTensor(name, new long[] {length}, GgmlType.F32, new Init.Normal(0, SMALL_SD)));
        }

        /** llama.cpp's llama_ftype for a file whose weights are all of one type (K-quants: the _S variant). */
        static int fileType(GgmlType t) {
            return switch (t) {
                case F32 -> 0;
                case F16 -> 1;
                case Q4_0 -> 2;
                case Q4_1 -> 3;
                case Q8_0 -> 7;
                case Q5_0 -> 8;
                case Q5_1 -> 9;
                case Q2_K -> 10;
                case Q3_K -> 11;
                case Q4_K -> 14;
                case Q5_K -> 16;
                case Q6_K -> 18;
                case BF16 -> 32;
                default -> throw new IllegalArgumentException("no llama.cpp file type for " + t);
            };
        }
    }
}
