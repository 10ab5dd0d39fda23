package lucid.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import lucid.engine.tensor.GgmlType;

class GgufFileTest {

    @Test
    void readsStories260kHeader() throws IOException {
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/stories260k.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(19, f.metadata().size());
            assertEquals(48, f.tensors().size());
            assertEquals(14_176, f.dataOffset());
            assertEquals("llama", f.metadata().getString("general.architecture").orElseThrow());
            assertEquals(64, f.metadata().getInt("llama.embedding_length", -1));
            assertEquals(5, f.metadata().getInt("llama.block_count", -1));
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").orElseThrow().length);
            GgufTensorInfo down = f.tensor("blk.0.ffn_down.weight").orElseThrow();
            assertArrayEquals(new long[] {172, 64}, down.dims());
            assertEquals(GgmlType.F32, down.type());
            long params = f.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
            assertEquals(292_800, params);
        }
    }

    @Test
    void eachTensorKeepsItsOwnTypeInMixedFiles() throws IOException {
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/derived/stories260k-q5_0-mixed.gguf"))) {
            assertEquals(15, f.metadata().getInt("general.file_type", -1));
            assertEquals(GgmlType.Q5_0, f.tensor("token_embd.weight").orElseThrow().type());
            assertEquals(GgmlType.Q8_0, f.tensor("output.weight").orElseThrow().type());
            assertEquals(GgmlType.F16, f.tensor("blk.0.ffn_down.weight").orElseThrow().type());
            assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").orElseThrow().type());
            assertTrue(f.tensors().stream().noneMatch(t -> t.type() == GgmlType.Q4_K));
        }
    }

    @Test
    void vocabOnlyFileWithoutDataSection() throws IOException {
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/vocab-only/ggml-vocab-gpt-2.gguf"))) {
            assertEquals(0, f.tensors().size());
            assertEquals("gpt2", f.metadata().getString("tokenizer.ggml.model").orElseThrow());
            assertEquals(50_257, f.metadata().getStringArray("tokenizer.ggml.tokens").orElseThrow().length);
        }
    }
}
