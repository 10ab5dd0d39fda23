package lucid.engine.sampling;

/**
 * Divides every logit by the temperature, so the later softmax gives {@code softmax(logit / T)}:
 * below 1 sharpens the distribution, above 1 flattens it.
 *
 * <p>A temperature {@code <= 0} means greedy, as in llama.cpp: only the most likely candidate
 * (lowest id among equal ones) survives, so whatever draws next can only pick it. llama.cpp sets
 * the others to -infinity; dropping them instead gives the same draw and a shorter list to show.
 */
public final class TemperatureSampler implements Sampler {

    private final float temperature;

    public TemperatureSampler(float temperature) {
        if (Float.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must not be NaN");
        }
        this.temperature = temperature;
    }

    public float temperature() {
        return temperature;
    }

    @Override
    public void apply(Candidates candidates) {
        if (temperature <= 0) {
            candidates.keepOnly(candidates.argmax());
            return;
        }
        for (int i = 0, n = candidates.size(); i < n; i++) {
            // Divide rather than multiply by 1/T: the same rounding as llama.cpp.
            candidates.setLogit(i, candidates.logit(i) / temperature);
        }
    }

    @Override
    public String name() {
        return "temp";
    }

    @Override
    public String toString() {
        return name() + "(" + temperature + ")";
    }
}
