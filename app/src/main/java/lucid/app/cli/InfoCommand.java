package lucid.app.cli;

import java.io.PrintStream;
import java.lang.reflect.Array;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import lucid.engine.gguf.GgufArray;
import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Architectures;
import lucid.engine.model.ExpertConfig;
import lucid.engine.model.ModelConfig;
import lucid.engine.model.RopeScaling;
import lucid.engine.model.SlidingWindow;
import lucid.engine.model.UnsupportedModelException;

/**
 * {@code lucid info}: what a GGUF file holds. Works without loading the weights, and on files whose
 * architecture Lucid cannot run yet (it says so).
 */
final class InfoCommand implements Command {

    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "describe a model: architecture, hyperparameters, tensors, memory needed";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, Option.value("ctx", "N", "context length for the RAM estimate "
                + "(default: the model's, at most 4096)"), Option.flag("metadata", "also list every metadata key"),
                CommonOptions.JSON);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        try (GgufFile file = GgufFile.open(args.existingFile("model"))) {
            GgufMetadata md = file.metadata();
            String arch = md.getString("general.architecture", "(none)");
            ModelConfig config = null;
            String unsupported = null;
            try {
                int vocab = file.tensor("token_embd.weight").map(t -> (int) t.dim(1))
                        .orElse(md.getStringArray("tokenizer.ggml.tokens").map(a -> a.length).orElse(0));
                config = Architectures.forName(arch).config(file, vocab);
            } catch (UnsupportedModelException e) {
                unsupported = e.getMessage();
            }
            int requestedCtx = args.integer("ctx", config == null ? 0 : Math.min(4096, config.contextLength()));
            if (requestedCtx < 0) {
                throw new UsageException("--ctx must not be negative");
            }
            long params = file.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
            long weightBytes = file.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
            Map<String, Integer> typeCounts = new TreeMap<>();
            for (GgufTensorInfo t : file.tensors()) {
                typeCounts.merge(t.type().name(), 1, Integer::sum);
            }
            int ctxLen = config == null ? 0 : Math.min(requestedCtx, config.contextLength());
            long sessionBytes = config == null ? 0 : LoadedModel.estimateSessionBytes(config, Math.max(1, ctxLen));
            Info info = new Info(file, arch, config, unsupported, params, weightBytes, typeCounts, ctxLen, sessionBytes);
            if (args.flag("json")) {
                ctx.out().println(json(info, args.flag("metadata")));
            } else {
                text(info, args.flag("metadata"), ctx.out());
            }
        }
        return Cli.EXIT_OK;
    }

    private record Info(GgufFile file, String arch, ModelConfig config, String unsupported, long params,
                        long weightBytes, Map<String, Integer> typeCounts, int ctx, long sessionBytes) {
    }

    private static void text(Info i, boolean allMetadata, PrintStream out) {
        GgufFile f = i.file();
        GgufMetadata md = f.metadata();
        out.printf("file:          %s (%s, GGUF v%d)%n", f.path().getFileName(), CommonOptions.humanBytes(f.fileSize()),
                f.version());
        md.getString("general.name").ifPresent(n -> out.printf("name:          %s%n", n));
        out.printf("architecture:  %s%s%n", i.arch(), i.unsupported() == null ? "" : "  (cannot run: " + i.unsupported() + ")");
        out.printf("parameters:    %s (%,d)%n", CommonOptions.humanCount(i.params()), i.params());
        out.printf("tensor types:  %s%n", typeSummary(i.typeCounts()));
        md.getString("tokenizer.ggml.model").ifPresent(t -> out.printf("tokenizer:     %s, %d tokens%n", t,
                md.getStringArray("tokenizer.ggml.tokens").map(a -> a.length).orElse(0)));
        ModelConfig c = i.config();
        if (c != null) {
            out.printf("context:       %d tokens (trained)%n", c.contextLength());
            out.printf("embedding:     %d%n", c.embeddingLength());
            out.printf("layers:        %d%n", c.blockCount());
            out.printf("heads:         %d query, %d key/value (head size %d)%n", c.headCount(), c.headCountKv(), c.headDim());
            out.printf("feed-forward:  %d%n", c.feedForwardLength());
            out.printf("vocabulary:    %d%n", c.vocabSize());
            out.printf("rope:          base %s, %d of %d dims, %s%s%n", fmt(c.ropeTheta()), c.ropeDimensions(), c.headDim(),
                    c.ropeType().name().toLowerCase(java.util.Locale.ROOT), ropeScaling(c, f));
            out.printf("attention:     scale %s%s%n", fmt(c.attention().queryScale()), attentionExtras(c));
            if (c.experts().isEnabled()) {
                ExpertConfig e = c.experts();
                out.printf("experts:       %d, %d used per token, feed-forward %d each%s, weights %s%n", e.count(), e.used(),
                        e.feedForwardLength(), e.sharedFeedForwardLength() > 0
                                ? ", shared expert " + e.sharedFeedForwardLength() : "",
                        e.normalizeWeights() ? "renormalized" : "as routed");
            }
            if (c.embeddingScale() != 1f) {
                out.printf("embed scale:   %s%n", fmt(c.embeddingScale()));
            }
            if (c.finalLogitSoftcap() > 0f) {
                out.printf("logit softcap: %s%n", fmt(c.finalLogitSoftcap()));
            }
            out.printf("rms eps:       %s%n", fmt(c.rmsEps()));
            out.printf("RAM estimate:  %s at context %d (weights %s, KV cache and buffers %s)%n",
                    CommonOptions.humanBytes(i.weightBytes() + i.sessionBytes()), i.ctx(),
                    CommonOptions.humanBytes(i.weightBytes()), CommonOptions.humanBytes(i.sessionBytes()));
        }
        out.println();
        out.printf("%-36s %-6s %-22s %12s%n", "tensor", "type", "shape", "bytes");
        for (GgufTensorInfo t : f.tensors()) {
            out.printf("%-36s %-6s %-22s %,12d%n", t.name(), t.type(), shape(t.dims()), t.byteSize());
        }
        if (allMetadata) {
            out.println();
            out.println("metadata:");
            md.entries().forEach((k, e) -> out.printf("  %-44s %-8s %s%n", k,
                    e.type().name().toLowerCase(java.util.Locale.ROOT), summarize(e.value())));
        }
    }

    private static String json(Info i, boolean allMetadata) {
        GgufFile f = i.file();
        GgufMetadata md = f.metadata();
        Json j = new Json().beginObject()
                .field("file", f.path().getFileName().toString())
                .field("file_size", f.fileSize())
                .field("gguf_version", f.version())
                .field("architecture", i.arch())
                .field("supported", i.unsupported() == null);
        if (i.unsupported() != null) {
            j.field("unsupported_reason", i.unsupported());
        }
        j.field("name", md.getString("general.name", null))
                .field("parameters", i.params())
                .field("weight_bytes", i.weightBytes());
        ModelConfig c = i.config();
        if (c != null) {
            j.name("hyperparameters").beginObject()
                    .field("context_length", c.contextLength())
                    .field("embedding_length", c.embeddingLength())
                    .field("block_count", c.blockCount())
                    .field("head_count", c.headCount())
                    .field("head_count_kv", c.headCountKv())
                    .field("head_dim", c.headDim())
                    .field("feed_forward_length", c.feedForwardLength())
                    .field("vocab_size", c.vocabSize())
                    .field("rope_freq_base", c.ropeTheta())
                    .field("rope_dimension_count", c.ropeDimensions())
                    .field("rope_type", c.ropeType().name().toLowerCase(java.util.Locale.ROOT))
                    .field("rms_eps", c.rmsEps());
            RopeScaling scaling = c.rope().scaling();
            j.name("rope_scaling").beginObject().field("type", scaling.typeName());
            switch (scaling) {
                case RopeScaling.None n -> { }
                case RopeScaling.Linear l -> j.field("factor", l.factor());
                case RopeScaling.Yarn y -> j.field("factor", y.factor()).field("original_context_length", y.originalContext())
                        .field("ext_factor", y.extFactor()).field("beta_fast", y.betaFast())
                        .field("beta_slow", y.betaSlow());
                case RopeScaling.LongRope l -> j.field("factor", l.factor())
                        .field("original_context_length", l.originalContext());
            }
            j.field("attn_factor", c.rope().attnFactor())
                    .field("frequency_factors", f.tensor("rope_freqs.weight").isPresent()).endObject();
            SlidingWindow w = c.attention().slidingWindow();
            j.field("attention_scale", c.attention().queryScale())
                    .field("attn_logit_softcapping", c.attention().logitSoftcap())
                    .field("final_logit_softcapping", c.finalLogitSoftcap())
                    .field("embedding_scale", c.embeddingScale())
                    .field("sliding_window", w.size());
            j.name("sliding_window_layers").beginArray();
            for (int l = 0; l < c.blockCount(); l++) {
                if (w.slides(l)) {
                    j.value(l);
                }
            }
            j.endArray();
            if (w.hasLocalRope()) {
                j.field("sliding_window_rope_freq_base", w.localRopeTheta());
            }
            ExpertConfig e = c.experts();
            j.field("expert_count", e.count())
                    .field("expert_used_count", e.used())
                    .field("expert_feed_forward_length", e.feedForwardLength())
                    .field("expert_shared_feed_forward_length", e.sharedFeedForwardLength())
                    .field("expert_weights_normalized", e.normalizeWeights())
                    .endObject();
            j.name("ram_estimate").beginObject()
                    .field("context", i.ctx())
                    .field("weights_bytes", i.weightBytes())
                    .field("session_bytes", i.sessionBytes())
                    .field("total_bytes", i.weightBytes() + i.sessionBytes())
                    .endObject();
        }
        j.name("tensor_types").beginObject();
        i.typeCounts().forEach(j::field);
        j.endObject();
        j.name("tensors").beginArray();
        for (GgufTensorInfo t : f.tensors()) {
            j.beginObject().field("name", t.name()).field("type", t.type().name()).name("shape").beginArray();
            for (long d : t.dims()) {
                j.value(d);
            }
            j.endArray().field("bytes", t.byteSize()).endObject();
        }
        j.endArray();
        if (allMetadata) {
            j.name("metadata").beginObject();
            md.entries().forEach((k, e) -> j.field(k, summarize(e.value())));
            j.endObject();
        }
        return j.endObject().toString();
    }

    private static String ropeScaling(ModelConfig c, GgufFile f) {
        String factors = f.tensor("rope_freqs.weight").isPresent() ? ", per-dimension factors (rope_freqs)" : "";
        String attn = c.rope().attnFactor() != 1f ? ", attn factor " + fmt(c.rope().attnFactor()) : "";
        String scaling = switch (c.rope().scaling()) {
            case RopeScaling.None n -> "";
            case RopeScaling.Linear l -> ", linear scaling x" + fmt(l.factor());
            case RopeScaling.Yarn y -> ", YaRN x" + fmt(y.factor()) + " from " + y.originalContext() + " (beta "
                    + fmt(y.betaFast()) + "/" + fmt(y.betaSlow()) + ")";
            case RopeScaling.LongRope l -> ", LongRoPE (short factors, original context " + l.originalContext() + ")";
        };
        return scaling + factors + attn;
    }

    private static String attentionExtras(ModelConfig c) {
        StringBuilder sb = new StringBuilder();
        if (c.attention().logitSoftcap() > 0f) {
            sb.append(", logit softcap ").append(fmt(c.attention().logitSoftcap()));
        }
        SlidingWindow w = c.attention().slidingWindow();
        if (w.isEnabled()) {
            int sliding = 0;
            for (int l = 0; l < c.blockCount(); l++) {
                sliding += w.slides(l) ? 1 : 0;
            }
            sb.append(", sliding window ").append(w.size()).append(" on ").append(sliding).append(" of ")
                    .append(c.blockCount()).append(" layers");
            if (w.hasLocalRope()) {
                sb.append(" (rope base ").append(fmt(w.localRopeTheta())).append(')');
            }
        }
        return sb.toString();
    }

    private static String typeSummary(Map<String, Integer> counts) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((t, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(t).append(" x").append(n));
        return sb.toString();
    }

    private static String shape(long[] dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < dims.length; d++) {
            sb.append(d == 0 ? "" : ", ").append(dims[d]);
        }
        return sb.append(']').toString();
    }

    private static String fmt(float f) {
        return f == Math.rint(f) && Math.abs(f) < 1e9 ? Long.toString((long) f) : Float.toString(f);
    }

    private static String summarize(Object value) {
        if (value instanceof GgufArray a) {
            int n = a.length();
            StringBuilder sb = new StringBuilder(a + " ");
            int shown = Math.min(n, 5);
            sb.append('[');
            for (int k = 0; k < shown; k++) {
                sb.append(k == 0 ? "" : ", ").append(Array.get(a.values(), k));
            }
            return sb.append(n > shown ? ", ...]" : "]").toString();
        }
        String s = String.valueOf(value);
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
