package lucid.engine.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.gguf.GgufWriter;
import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.tensor.GgmlType;

/**
 * Gemma 3 has no golden file (llama.cpp crashes on Gemma 3 models with fewer than six layers), so its
 * wiring is checked by changing one metadata key of a two-layer synthetic model at a time. With fewer
 * than six layers every layer slides, so the sliding layers' RoPE base must be the only base that
 * matters, and the window must change nothing until the prompt is longer than it. (In the lab
 * package because it needs the synthetic models and the inference layer, which the model layer
 * must not depend on, tests included.)
 */
class Gemma3WiringTest {

    @TempDir
    static Path dir;
    static Engine engine;
    static Path base;

    @BeforeAll
    static void setUp() throws IOException {
        engine = Engine.create(2);
        base = dir.resolve("gemma3.gguf");
        SyntheticModel.plan(SyntheticArchitecture.named("gemma3"), SyntheticPreset.TINY, GgmlType.F32).write(base, 9, null);
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    static Path derive(String name, UnaryOperator<GgufWriter> change) throws IOException {
        Path out = dir.resolve(name + ".gguf");
        try (GgufFile f = GgufFile.open(base)) {
            GgufWriter w = change.apply(new GgufWriter().putAll(f.metadata()));
            for (GgufTensorInfo t : f.tensors()) {
                w.addTensor(t, GgufWriter.TensorData.of(f.tensorData(t)));
            }
            w.write(out);
        }
        return out;
    }

    /** Logits at each of the first {@code n} positions of a fixed token sequence. */
    static List<float[]> logits(Path model, int n) throws IOException {
        List<float[]> rows = new ArrayList<>();
        try (LoadedModel m = engine.load(model); InferenceSession s = m.newSession(64)) {
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = i == 0 ? 1 : 300 + 7 * i;
            }
            s.prefill(tokens, (pos, l) -> rows.add(l.clone()));
        }
        return rows;
    }

    /**
     * Logits of two runs of one model may differ in the last bit (the Vector API sums lanes in another
     * order before its kernels are compiled), so "the same" means within 1e-5 and "different" means by
     * more than 1e-3, far apart on logits of size ~1.
     */
    static float maxDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static void assertSame(float[] a, float[] b, String what) {
        float d = maxDiff(a, b);
        assertTrue(d < 1e-5f, what + ": differs by " + d);
    }

    static void assertDifferent(float[] a, float[] b, String what) {
        float d = maxDiff(a, b);
        assertTrue(d > 1e-3f, what + ": differs by only " + d);
    }

    @Test
    void slidingLayersUseTheirOwnRopeBase() throws IOException {
        List<float[]> reference = logits(base, 6);
        List<float[]> otherGlobalBase = logits(derive("global", w -> w.putFloat32("gemma3.rope.freq_base", 1e6f)), 6);
        for (int pos = 0; pos < 6; pos++) {
            assertSame(reference.get(pos), otherGlobalBase.get(pos), "no global layer: position " + pos);
        }
        List<float[]> otherLocalBase = logits(derive("local", w -> w.putFloat32("gemma3.rope.freq_base_swa", 1e6f)), 6);
        assertDifferent(reference.get(5), otherLocalBase.get(5), "the local base turns the keys");
    }

    @Test
    void theWindowMattersOnlyBeyondItsLength() throws IOException {
        List<float[]> window8 = logits(base, 12);
        List<float[]> wide = logits(derive("wide", w -> w.putUInt32("gemma3.attention.sliding_window", 1000)), 12);
        for (int pos = 0; pos < 8; pos++) {
            assertSame(window8.get(pos), wide.get(pos), "inside the window: position " + pos);
        }
        for (int pos = 8; pos < 12; pos++) {
            assertDifferent(window8.get(pos), wide.get(pos), "position " + pos + " no longer sees the earliest positions");
        }
    }
}
