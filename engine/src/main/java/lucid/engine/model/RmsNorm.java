package lucid.engine.model;

/**
 * Root-mean-square normalization with a learned per-channel scale:
 * {@code out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]}.
 *
 * @param weight (dim) the learned scale, already including any "+1" a converter folded in
 */
public record RmsNorm(float[] weight, float eps) {

    public int dim() {
        return weight.length;
    }

    /** Normalizes {@code x[xOffset .. xOffset+dim)} into {@code out[outOffset ..]}; out may be x. */
    public void apply(float[] out, int outOffset, float[] x, int xOffset) {
        int n = weight.length;
        // The mean of squares is summed in double, as ggml does: a float sum loses digits at large widths.
        // Four running sums: one chain of dependent additions took 3% of a small model's prefill.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            float a = x[xOffset + i];
            float b = x[xOffset + i + 1];
            float c = x[xOffset + i + 2];
            float d = x[xOffset + i + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; i < n; i++) {
            float v = x[xOffset + i];
            s0 += v * v;
        }
        double sumSq = (s0 + s1) + (s2 + s3);
        float scale = (float) (1.0 / Math.sqrt(sumSq / n + eps));
        for (i = 0; i < n; i++) {
            out[outOffset + i] = x[xOffset + i] * scale * weight[i];
        }
    }

    public void apply(float[] out, float[] x) {
        apply(out, 0, x, 0);
    }
}
