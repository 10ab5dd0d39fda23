package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.gguf.SharedFixtures;

/**
 * Our quantizer against llama-quantize: every weight matrix of the F32 master
 * (shared/golden/models/synth-llama-f32.gguf) quantized here must equal, byte for byte, the same
 * tensor of the file llama.cpp made from that master ({@code llama-quantize --pure} without an
 * importance matrix, so ggml's reference quantizers). Sixteen tensors per type (7168 K-quant
 * super-blocks, 57344 blocks of 32) exercise every branch of the scale searches many times over.
 */
class QuantizerGoldenFileTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0, synth-llama-q8_0", "Q4_0, synth-llama-q4_0", "Q4_1, synth-llama-q4_1", "Q5_0, synth-llama-q5_0",
            "Q2_K, synth-llama-q2_k", "Q3_K, synth-llama-q3_k_s", "Q4_K, synth-llama-q4_k_s",
            "Q5_K, synth-llama-q5_k_s", "Q6_K, synth-llama-q6_k"})
    void quantizesTheF32MasterExactlyAsLlamaQuantizeDid(GgmlType type, String stem) throws IOException {
        try (GgufFile master = GgufFile.open(SharedFixtures.file("golden/models/synth-llama-f32.gguf"));
             GgufFile quantized = GgufFile.open(SharedFixtures.file("golden/models/" + stem + ".gguf"))) {
            int tensors = 0;
            for (GgufTensorInfo theirs : quantized.tensors()) {
                if (theirs.type() != type) {
                    continue;
                }
                tensors++;
                GgufTensorInfo source = master.tensor(theirs.name()).orElseThrow();
                int n = Math.toIntExact(source.elementCount());
                float[] weights = new float[n];
                FloatTensor.wrap(source.type(), master.tensorData(source), n).dequantize(0, weights, 0, n);
                byte[] ours = Quantizer.quantize(type, weights, 0, n);
                byte[] expected = quantized.tensorData(theirs).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(expected.length, ours.length, theirs.name());
                int differentBlocks = 0;
                int firstDifferent = -1;
                for (int at = 0; at < ours.length; at += type.typeSize()) {
                    for (int i = at; i < at + type.typeSize(); i++) {
                        if (ours[i] != expected[i]) {
                            differentBlocks++;
                            firstDifferent = firstDifferent < 0 ? at / type.typeSize() : firstDifferent;
                            break;
                        }
                    }
                }
                if (differentBlocks > 0) {
                    fail(stem + " " + theirs.name() + ": " + differentBlocks + " of " + ours.length / type.typeSize()
                            + " blocks differ from llama-quantize's, the first is block " + firstDifferent);
                }
            }
            // Every weight matrix of the llama layout: token_embd, output and 7 per block, 2 blocks.
            assertEquals(16, tensors, stem + ": tensors of type " + type);
        }
    }
}
