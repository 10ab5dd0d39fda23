package lucid.app.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Architectures;
import lucid.engine.model.ModelConfig;

/**
 * What the user sees about a GGUF file before loading it: read from the header only (the weights
 * are mapped, not read).
 *
 * @param quant        the tensor type holding most of the weights (e.g. Q8_0, F32)
 * @param ramBytes     estimated resident memory with a session of {@code contextLength}, or -1
 *                     when the architecture is not supported
 * @param problem      why Lucid cannot run it, or null
 */
public record ModelInfo(Path path, String name, String architecture, String quant, long fileBytes,
                        long parameters, int contextLength, long ramBytes, String problem) {

    /** The RAM estimate uses at most this context, the default a chat starts with. */
    public static final int ESTIMATE_CONTEXT = 4096;

    public static ModelInfo read(Path path) throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            var md = file.metadata();
            String arch = md.getString("general.architecture", "?");
            Map<String, Long> bytesByType = new TreeMap<>();
            long params = 0;
            long weights = 0;
            for (GgufTensorInfo t : file.tensors()) {
                bytesByType.merge(t.type().name(), t.byteSize(), Long::sum);
                params += t.elementCount();
                weights += t.byteSize();
            }
            String quant = bytesByType.entrySet().stream().max(Comparator.comparingLong(Map.Entry::getValue))
                    .map(Map.Entry::getKey).orElse("-");
            String problem = null;
            int ctx = 0;
            long ram = -1;
            try {
                int vocab = file.tensor("token_embd.weight").map(t -> (int) t.dim(1)).orElse(0);
                ModelConfig config = Architectures.forName(arch).config(file, Math.max(1, vocab));
                ctx = config.contextLength();
                ram = weights + LoadedModel.estimateSessionBytes(config, Math.min(ctx, ESTIMATE_CONTEXT));
            } catch (IllegalArgumentException e) { // UnsupportedModelException included
                problem = e.getMessage();
            }
            String fallbackName = path.getFileName().toString().replaceFirst("(?i)\\.gguf$", "");
            return new ModelInfo(path, md.getString("general.name", fallbackName), arch, quant, Files.size(path), params,
                    ctx, ram, problem);
        }
    }

    public static String humanBytes(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
