package lucid.engine.tensor;

/**
 * Rounding and scale searches shared by the quantizers, written from ggml's reference quantizers
 * (ggml-quants.c: {@code nearest_int}, {@code make_qx_quants}, {@code make_q3_quants},
 * {@code make_qkx2_quants}).
 *
 * <p>Everything is computed in {@code float}, operation by operation in the order ggml's C code
 * does it, because the aim is the very bytes {@code llama-quantize} writes: a scale that differs in
 * its last bit can flip a rounding and change a quant.
 */
final class QuantMath {

    /** Below this largest magnitude ggml treats a group as all zero (GROUP_MAX_EPS). */
    static final float GROUP_MAX_EPS = 1e-15f;

    private QuantMath() {
    }

    /**
     * ggml's {@code nearest_int}: adding 1.5·2^23 makes the float unit round to an integer, which
     * rounds half to even, exactly as {@link Math#rint} does for |v| < 2^22.
     */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /** C's {@code roundf}: halves away from zero (Math.round takes -2.5 to -2, roundf to -3). */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    /**
     * A block scale stored as f16, rounded to nearest even like ggml's GGML_FP32_TO_FP16. A scale
     * too large for f16 would be stored as infinity and decode every weight of the block as ±inf or
     * NaN, so it is refused instead.
     */
    static short toHalf(float scale) {
        short half = Float.floatToFloat16(scale);
        if (Float.isInfinite(Float.float16ToFloat(half)) && !Float.isInfinite(scale)) {
            throw new IllegalArgumentException("a block scale of " + scale + " is too large for f16 (max 65504)");
        }
        return half;
    }

    static float fromHalf(short half) {
        return Float.float16ToFloat(half);
    }

    /** A scale and a minimum found together; {@code min} is the amount subtracted, so weight = scale·q − min. */
    record ScaleMin(float scale, float min) {
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type} 1 and no importance weights: symmetric
     * quants {@code l} in -nmax..nmax-1, stored as {@code l + nmax} in {@code levels}. The sign of
     * the scale is chosen so that the largest magnitude lands on -nmax (the side with one more step);
     * then 18 scales around nmax/max are tried and the one with the smallest x²-weighted squared error
     * is kept (maximising (Σw·x·l)² / Σw·l², which is the same thing).
     *
     * @return the scale, so that x ≈ scale · (levels[i] - nmax)
     */
    static float makeQxQuants(int n, int nmax, float[] x, int from, int[] levels, int levelsFrom) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[from + i]);
            if (ax > amax) {
                amax = ax;
                max = x[from + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[levelsFrom + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[from + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[levelsFrom + i] = l + nmax;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[from + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[from + i]);
                    levels[levelsFrom + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * ggml's {@code make_q3_quants} with {@code do_rmse}: symmetric quants as in
     * {@link #makeQxQuants}, then up to five passes that move single quants to whatever level
     * lowers the x²-weighted error with the scale refitted. Levels are stored as {@code l + nmax}.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int from, int[] levels, int levelsFrom) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[from + i]);
            if (ax > amax) {
                amax = ax;
                max = x[from + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[levelsFrom + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[from + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[levelsFrom + i] = l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int pass = 0; pass < 5; pass++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[from + i];
                int li = levels[levelsFrom + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[levelsFrom + i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[levelsFrom + i] += nmax;
        }
        return suml2 > 0 ? sumlx / suml2 : 0f;
    }

    /**
     * ggml's {@code make_qkx2_quants}: asymmetric quants 0..nmax with weight ≈ scale·l − min. Starts
     * from the range [min(x, 0), max(x)] split into nmax steps, then tries nstep + 1 step counts
     * {@code nmax + rmin + rdelta·is}; for each it fits scale and minimum by weighted least squares
     * and keeps the fit with the smallest weighted error (absolute error when {@code useMad}, squared
     * otherwise). The minimum is never allowed above zero.
     */
    static ScaleMin makeQkx2Quants(int n, int nmax, float[] x, int from, float[] weights, int[] levels, int levelsFrom,
            float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[from];
        float max = x[from];
        float sumW = weights[0];
        float sumX = sumW * x[from];
        for (int i = 1; i < n; i++) {
            float xi = x[from + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[levelsFrom + i] = 0;
            }
            return new ScaleMin(0f, -min);
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[from + i] - min))));
            levels[levelsFrom + i] = l;
            float diff = scale * l + min - x[from + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        int[] trial = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[from + i];
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (xi - min))));
                trial[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * xi;
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * trial[i] + thisMin - x[from + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += weights[i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(trial, 0, levels, levelsFrom, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        return new ScaleMin(scale, -min);
    }
}
