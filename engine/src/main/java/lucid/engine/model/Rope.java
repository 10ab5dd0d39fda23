package lucid.engine.model;

/**
 * Rotary position embedding. Within each head, the first {@code rotatedDims} dimensions are split
 * into pairs and pair {@code i} is rotated by the angle {@code pos * base^(-2i / rotatedDims)}.
 * Which dimensions form a pair depends on the {@link RopeType}.
 */
public final class Rope {

    private final int headDim;
    private final int rotatedDims;
    private final RopeType type;
    private final float[] inverseFrequencies; // (rotatedDims / 2)

    public Rope(int headDim, int rotatedDims, float base, RopeType type) {
        this.headDim = headDim;
        this.rotatedDims = rotatedDims;
        this.type = type;
        this.inverseFrequencies = new float[rotatedDims / 2];
        // Repeated multiplication in float, as ggml computes theta: keeps angles bit-close to llama.cpp.
        float thetaScale = (float) Math.pow(base, -2.0 / rotatedDims);
        float theta = 1f;
        for (int i = 0; i < inverseFrequencies.length; i++) {
            inverseFrequencies[i] = theta;
            theta *= thetaScale;
        }
    }

    public int rotatedDims() {
        return rotatedDims;
    }

    /** Fills {@code cos} and {@code sin} (each rotatedDims / 2) for one position; shared by all heads. */
    public void angles(int pos, float[] cos, float[] sin) {
        for (int i = 0; i < inverseFrequencies.length; i++) {
            float angle = pos * inverseFrequencies[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code v} starting at {@code offset}, in place. */
    public void rotate(float[] v, int offset, int heads, float[] cos, float[] sin) {
        int half = rotatedDims / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                int a;
                int b;
                if (type == RopeType.NORMAL) {
                    a = base + 2 * i;
                    b = a + 1;
                } else {
                    a = base + i;
                    b = base + i + half;
                }
                float x0 = v[a];
                float x1 = v[b];
                v[a] = x0 * cos[i] - x1 * sin[i];
                v[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }
}
