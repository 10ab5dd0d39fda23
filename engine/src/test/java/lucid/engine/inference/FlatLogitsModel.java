package lucid.engine.inference;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.gguf.GgufWriter;
import lucid.engine.gguf.SharedFixtures;

/**
 * stories260k with its final norm's weights zeroed: every logit is exactly 0, so greedy decoding
 * picks the lowest id the sampler leaves, which lets a test choose the generated token.
 */
final class FlatLogitsModel {

    private FlatLogitsModel() {
    }

    /** Writes the file to {@code file}; {@code metadata} may change the copied metadata (an EOS id, say). */
    static Path write(Path file, UnaryOperator<GgufWriter> metadata) throws IOException {
        try (GgufFile source = GgufFile.open(SharedFixtures.file("models/stories260k.gguf"))) {
            GgufWriter writer = metadata.apply(new GgufWriter().putAll(source.metadata()));
            for (GgufTensorInfo t : source.tensors()) {
                byte[] bytes = source.tensorData(t).toArray(ValueLayout.JAVA_BYTE);
                if (t.name().equals("output_norm.weight")) {
                    bytes = new byte[bytes.length];
                }
                writer.addTensor(t, GgufWriter.TensorData.of(bytes));
            }
            writer.write(file);
        }
        return file;
    }
}
