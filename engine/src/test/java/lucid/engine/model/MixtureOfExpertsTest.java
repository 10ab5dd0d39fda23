package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;

/**
 * Routing and mixing of experts against a plain re-computation written from the description in
 * llama.cpp's build_moe_ffn (softmax over all experts, top k, optional renormalization, shared expert
 * gated by a sigmoid). The Mixtral golden file covers the renormalized path end to end; the shared
 * expert and raw weights (Qwen2-MoE) have no golden file, so they are checked here.
 */
class MixtureOfExpertsTest {

    static final Backend BACKEND = Backend.open(null, 2);
    static final int DIM = 8;
    static final int FFN = 4;
    static final int EXPERTS = 4;

    @AfterAll
    static void close() {
        BACKEND.close();
    }

    static Linear matrix(String name, float[] w, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : w) {
            b.putFloat(v);
        }
        return new Linear(name, FloatTensor.wrap(GgmlType.F32, MemorySegment.ofArray(b.array()), w.length), rows, cols);
    }

    static float[] random(Random r, int n, double sd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * sd);
        }
        return out;
    }

    static float[] matVec(float[] w, int rows, int cols, float[] x) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += w[r * cols + c] * x[c];
            }
            out[r] = (float) s;
        }
        return out;
    }

    static float[] swiglu(float[] gate, float[] up, float[] down, float[] x) {
        float[] g = matVec(gate, FFN, DIM, x);
        float[] u = matVec(up, FFN, DIM, x);
        float[] h = new float[FFN];
        for (int i = 0; i < FFN; i++) {
            h[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
        }
        return matVec(down, DIM, FFN, h);
    }

    static ModelConfig config(ExpertConfig experts) {
        return new ModelConfig("test", DIM, FFN, 1, 2, 1, 4, 16, 32, 1e-5f, RopeConfig.plain(10_000f, 4, RopeType.NEOX),
                AttentionConfig.standard(4), experts, 1f, 0f);
    }

    void checkAgainstReference(boolean normalize, boolean withShared, long seed) {
        Random r = new Random(seed);
        float[] router = random(r, EXPERTS * DIM, 1.0);
        float[][] gate = new float[EXPERTS][];
        float[][] up = new float[EXPERTS][];
        float[][] down = new float[EXPERTS][];
        GatedFeedForward[] experts = new GatedFeedForward[EXPERTS];
        for (int e = 0; e < EXPERTS; e++) {
            gate[e] = random(r, FFN * DIM, 0.5);
            up[e] = random(r, FFN * DIM, 0.5);
            down[e] = random(r, DIM * FFN, 0.5);
            experts[e] = new GatedFeedForward(GatedFeedForward.Activation.SILU, matrix("g" + e, gate[e], FFN, DIM),
                    matrix("u" + e, up[e], FFN, DIM), matrix("d" + e, down[e], DIM, FFN));
        }
        float[] sGate = random(r, FFN * DIM, 0.5);
        float[] sUp = random(r, FFN * DIM, 0.5);
        float[] sDown = random(r, DIM * FFN, 0.5);
        float[] sRouter = random(r, DIM, 1.0);
        ExpertConfig cfg = new ExpertConfig(EXPERTS, 2, FFN, withShared ? FFN : 0, normalize, 1f);
        MixtureOfExperts moe = withShared
                ? new MixtureOfExperts(matrix("router", router, EXPERTS, DIM), experts, cfg,
                        new GatedFeedForward(GatedFeedForward.Activation.SILU, matrix("sg", sGate, FFN, DIM),
                                matrix("su", sUp, FFN, DIM), matrix("sd", sDown, DIM, FFN)),
                        matrix("sgate", sRouter, 1, DIM))
                : new MixtureOfExperts(matrix("router", router, EXPERTS, DIM), experts, cfg);

        float[] x = random(r, DIM, 1.0);
        ForwardState s = new ForwardState(config(cfg), 8);
        System.arraycopy(x, 0, s.xb, 0, DIM);
        moe.forward(BACKEND, s);

        // Reference: probabilities of all experts, the two largest, weights as configured.
        float[] logits = matVec(router, EXPERTS, DIM, x);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[EXPERTS];
        double total = 0;
        for (int e = 0; e < EXPERTS; e++) {
            p[e] = Math.exp(logits[e] - max);
            total += p[e];
        }
        int first = 0;
        for (int e = 1; e < EXPERTS; e++) {
            if (p[e] > p[first]) {
                first = e;
            }
        }
        int second = first == 0 ? 1 : 0;
        for (int e = 0; e < EXPERTS; e++) {
            if (e != first && p[e] > p[second]) {
                second = e;
            }
        }
        double w1 = p[first] / total;
        double w2 = p[second] / total;
        if (normalize) {
            double sum = w1 + w2;
            w1 /= sum;
            w2 /= sum;
        }
        float[] o1 = swiglu(gate[first], up[first], down[first], x);
        float[] o2 = swiglu(gate[second], up[second], down[second], x);
        float[] expected = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            expected[i] = (float) (w1 * o1[i] + w2 * o2[i]);
        }
        if (withShared) {
            float[] so = swiglu(sGate, sUp, sDown, x);
            double g = 1 / (1 + Math.exp(-matVec(sRouter, 1, DIM, x)[0]));
            for (int i = 0; i < DIM; i++) {
                expected[i] += (float) (g * so[i]);
            }
        }
        assertArrayEquals(expected, java.util.Arrays.copyOf(s.xb2, DIM), 1e-5f);
        assertEquals(first, s.expertIds[0]);
        assertEquals(second, s.expertIds[1]);
    }

    @Test
    void renormalizedTopTwoLikeMixtral() {
        for (long seed = 1; seed <= 5; seed++) {
            checkAgainstReference(true, false, seed);
        }
    }

    @Test
    void rawWeightsWithSharedExpertLikeQwen2Moe() {
        for (long seed = 1; seed <= 5; seed++) {
            checkAgainstReference(false, true, seed);
        }
    }

    @Test
    void selectionTakesTheLargestFirstAndLowestIndexOnTies() {
        float[] p = {0.1f, 0.3f, 0.3f, 0.05f, 0.25f};
        int[] ids = new int[3];
        float[] values = new float[3];
        MixtureOfExperts.selectTop(p, p.length, 3, ids, values);
        assertArrayEquals(new int[] {1, 2, 4}, ids);
        assertArrayEquals(new float[] {0.3f, 0.3f, 0.25f}, values);
    }
}
