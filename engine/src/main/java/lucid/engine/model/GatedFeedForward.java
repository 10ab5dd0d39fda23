package lucid.engine.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.VectorSupport;

/**
 * A gated MLP: {@code down(act(gate(x)) * up(x))}, with SiLU (SwiGLU: Llama, Qwen, Phi-3, experts)
 * or tanh-approximated GELU (GeGLU: Gemma) as the activation.
 */
public final class GatedFeedForward implements FeedForward {

    /** The activation applied to the gate. */
    public enum Activation {
        /** {@code x * sigmoid(x)}. */
        SILU,
        /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, ggml's GELU. */
        GELU_TANH;

        private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;
        private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
        private static final float GELU_COEF_A = 0.044715f;

        float apply(float x) {
            return switch (this) {
                case SILU -> x / (1f + (float) Math.exp(-x));
                case GELU_TANH -> 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1f + GELU_COEF_A * x * x)));
            };
        }

        /**
         * {@code gate[i] = act(gate[i]) * up[i]} for {@code from <= i < to}: in vector lanes with the
         * Vector API's exp and tanh (within an ulp or two of {@link Math}'s) when it is on.
         */
        void applyGated(float[] gate, float[] up, int from, int to) {
            int i = from;
            if (VectorSupport.ENABLED) {
                int upper = from + SPECIES.loopBound(to - from);
                for (; i < upper; i += SPECIES.length()) {
                    FloatVector x = FloatVector.fromArray(SPECIES, gate, i);
                    FloatVector a = switch (this) {
                        case SILU -> x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
                        case GELU_TANH -> x.mul(0.5f).mul(x.mul(x).mul(GELU_COEF_A).add(1f).mul(x)
                                .mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH).add(1f));
                    };
                    a.mul(FloatVector.fromArray(SPECIES, up, i)).intoArray(gate, i);
                }
            }
            for (; i < to; i++) {
                gate[i] = apply(gate[i]) * up[i];
            }
        }
    }

    private final Activation activation;
    private final Linear gate; // (ffn, dim)
    private final Linear up;   // (ffn, dim)
    private final Linear down; // (dim, ffn)

    public GatedFeedForward(Activation activation, Linear gate, Linear up, Linear down) {
        if (gate.rows() != up.rows() || down.cols() != up.rows() || gate.cols() != up.cols()) {
            throw new UnsupportedModelException("feed-forward shapes do not fit: " + gate.name() + " " + gate.rows()
                    + "x" + gate.cols() + ", " + up.name() + " " + up.rows() + "x" + up.cols() + ", " + down.name()
                    + " " + down.rows() + "x" + down.cols());
        }
        this.activation = activation;
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public int hiddenLength() {
        return up.rows();
    }

    @Override
    public void forward(Backend backend, ForwardState s) {
        forward(backend, s.xb, s.hb, s.hb2, s.xb2);
    }

    /**
     * @param in   (dim)
     * @param hb   (>= ffn) scratch: gate activations, then their product with up
     * @param hb2  (>= ffn) scratch: up activations
     * @param out  (dim)
     */
    void forward(Backend backend, float[] in, float[] hb, float[] hb2, float[] out) {
        Linear.applySameInput(backend, in, gate, hb, up, hb2, null, null);
        activation.applyGated(hb, hb2, 0, up.rows());
        down.apply(backend, hb, out);
    }

    /** Buffers are packed at this MLP's own width: {@code bs.hb} is (batch, ffn) here, whatever maxFfn is. */
    @Override
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, int batch) {
        Linear.applyBatchSameInput(backend, bs.xb, batch, gate, bs.hb, up, bs.hb2, null, null);
        // exp/tanh per hidden unit and token is a tenth of a chunk's time on one thread: spread it.
        ActivationJob job = bs.activationJob;
        job.set(activation, bs.hb, bs.hb2, up.rows());
        try {
            backend.parallelFor(batch, job);
        } finally {
            job.clear();
        }
        down.applyBatch(backend, bs.hb, bs.xb2, batch);
    }

    /** {@code hb = act(hb) * hb2} for one token's row; reused through {@link BatchState}, so nothing is allocated. */
    static final class ActivationJob implements Backend.IntTask {
        private Activation activation;
        private float[] hb;   // (batch, width)
        private float[] hb2;  // (batch, width)
        private int width;

        void set(Activation activation, float[] hb, float[] hb2, int width) {
            this.activation = activation;
            this.hb = hb;
            this.hb2 = hb2;
            this.width = width;
        }

        void clear() {
            hb = hb2 = null;
        }

        @Override
        public void run(int row) {
            activation.applyGated(hb, hb2, row * width, (row + 1) * width);
        }
    }
}
