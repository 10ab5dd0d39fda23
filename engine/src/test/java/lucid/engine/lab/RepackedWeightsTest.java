package lucid.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Repacking;
import lucid.engine.tensor.GgmlType;

/**
 * {@code Engine.load(path, Repacking.AT_LOAD)} ({@code --repack}): a Q4_0, Q4_K, Q5_K and Q6_K model of every
 * architecture generates what the same file generates from its mapping, its copies are counted, and a
 * model of another type copies nothing. {@link Repacking#IN_BACKGROUND} ends with the same copies
 * read by the same kernels, and a model closed while it copies stops the copies first.
 */
class RepackedWeightsTest {

    @TempDir
    static Path dir;
    static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.create(2);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> architecturesAndTypes() {
        return SyntheticModelTest.architectures().flatMap(arch -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(arch, GgmlType.Q4_0),
                org.junit.jupiter.params.provider.Arguments.of(arch, GgmlType.Q4_K),
                org.junit.jupiter.params.provider.Arguments.of(arch, GgmlType.Q5_K),
                org.junit.jupiter.params.provider.Arguments.of(arch, GgmlType.Q6_K)));
    }

    /**
     * The two integer kernels differ only in the order they add their per-block float terms, but an
     * activation that lands the other side of a rounding step when the next product quantizes it to 8
     * bits moves that product by a step: so the logits agree to a percent of their range, not to a
     * few float roundings (a wrong nibble or scale would move them by their whole range), and the
     * greedy tokens are the same.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("architecturesAndTypes")
    void aRepackedModelGeneratesWhatTheMappingGenerates(String arch, GgmlType type) throws IOException {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named(arch), SyntheticPreset.TINY, type);
        Path path = dir.resolve(arch + "-" + type + ".gguf");
        m.write(path, 7, null);
        List<float[]> mapped;
        try (LoadedModel model = engine.load(path)) {
            assertEquals(0, model.repackedBytes());
            mapped = SyntheticModelTest.run(model);
        }
        try (LoadedModel model = engine.load(path, Repacking.AT_LOAD)) {
            assertTrue(model.repackedBytes() > model.repackedSourceBytes(), arch + ": copies are made, and are larger");
            // Experts (3-D tensors) stay on the mapping: only a fraction of them runs per token.
            boolean experts = model.config().experts().isEnabled();
            assertTrue(model.repackedSourceBytes() > (experts ? 0 : model.weightBytes() / 2),
                    arch + ": " + model.repackedSourceBytes() + " of " + model.weightBytes() + " bytes copied");
            assertTrue(Benchmark.bytesPerToken(model) > model.weightBytes() / 2);
            List<float[]> repacked = SyntheticModelTest.run(model);
            assertSameLogits(mapped, repacked, arch);
            boolean differs = false;
            for (int pos = 0; pos < mapped.size(); pos++) {
                differs |= !java.util.Arrays.equals(mapped.get(pos), repacked.get(pos));
            }
            assertTrue(differs, arch + ": the copies were read (their sums round differently somewhere)");
        }
    }

    /** The bound of the test above: every logit within a percent of its position's range, the same argmax. */
    private static void assertSameLogits(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size());
        for (int pos = 0; pos < expected.size(); pos++) {
            float[] a = expected.get(pos);
            float[] b = actual.get(pos);
            float scale = 0;
            for (float v : a) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int v = 0; v < a.length; v++) {
                assertEquals(a[v], b[v], 1e-2f * scale, what + ": position " + pos + ", logit " + v);
            }
            assertEquals(SyntheticModelTest.argmax(a), SyntheticModelTest.argmax(b), what + ": position " + pos);
        }
    }

    @Test
    void otherTypesCopyNothing() throws IOException {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY, GgmlType.Q8_0);
        Path path = dir.resolve("llama-q8_0.gguf");
        m.write(path, 7, null);
        try (LoadedModel model = engine.load(path, Repacking.AT_LOAD)) {
            assertEquals(0, model.repackedBytes());
            assertEquals(model.weightBytes() - model.file().tensor("token_embd.weight").orElseThrow().byteSize()
                    + model.file().tensor("token_embd.weight").orElseThrow().byteSize()
                    / model.file().tensor("token_embd.weight").orElseThrow().dim(1)
                    * (model.file().tensor("output.weight").isPresent() ? 1 : model.file().tensor("token_embd.weight").orElseThrow().dim(1)),
                    Benchmark.bytesPerToken(model));
        }
    }

    /**
     * The background copies are the copies a load makes: once made, the same bytes are counted, and
     * the model computes the logits of a model copied at load (to the bound of the test above: two
     * runs of the same kernels in different compiled states can round their lane sums differently)
     * and the same greedy tokens.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void backgroundCopiesEndAsCopiesMadeAtLoad(GgmlType type) throws Exception {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY, type);
        Path path = dir.resolve("background-" + type + ".gguf");
        m.write(path, 11, null);
        long atLoadBytes;
        long atLoadSource;
        List<float[]> atLoad;
        try (LoadedModel model = engine.load(path, Repacking.AT_LOAD)) {
            atLoadBytes = model.repackedBytes();
            atLoadSource = model.repackedSourceBytes();
            atLoad = SyntheticModelTest.run(model);
        }
        try (LoadedModel model = engine.load(path, Repacking.IN_BACKGROUND)) {
            assertTrue(model.repacking().awaitCopies(Duration.ofMinutes(2)), "the copies were made");
            assertFalse(model.repacking().isCopying());
            assertNull(model.repacking().notMade());
            assertTrue(atLoadBytes > 0);
            assertEquals(atLoadBytes, model.repackedBytes());
            assertEquals(atLoadSource, model.repackedSourceBytes());
            assertSameLogits(atLoad, SyntheticModelTest.run(model), type.toString());
        }
    }

    /** Closing a model while its copies are being made stops them before the file is unmapped. */
    @Test
    void closingWhileCopyingStopsTheCopies() throws Exception {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY, GgmlType.Q4_0);
        Path path = dir.resolve("closed-while-copying.gguf");
        m.write(path, 13, null);
        for (int i = 0; i < 5; i++) {
            LoadedModel model = engine.load(path, Repacking.IN_BACKGROUND);
            model.close();
            assertFalse(model.repacking().isCopying(), "the copier ended with the close");
            assertTrue(model.repacking().awaitCopies(Duration.ZERO));
            String why = model.repacking().notMade();
            assertTrue(why == null || why.contains("closed"), String.valueOf(why));
        }
    }

    @Test
    void backgroundCopiesOfAModelWithoutFourBitMatricesEndAtOnce() throws Exception {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY, GgmlType.Q8_0);
        Path path = dir.resolve("llama-q8_0-background.gguf");
        m.write(path, 7, null);
        try (LoadedModel model = engine.load(path, Repacking.IN_BACKGROUND)) {
            assertTrue(model.repacking().awaitCopies(Duration.ZERO));
            assertEquals(0, model.repackedBytes());
            assertNull(model.repacking().notMade());
        }
    }
}
