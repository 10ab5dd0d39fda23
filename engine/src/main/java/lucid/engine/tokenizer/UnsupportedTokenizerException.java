package lucid.engine.tokenizer;

import java.util.List;

/**
 * The GGUF names a tokenizer model ({@code tokenizer.ggml.model}) this engine cannot run yet. The
 * message names the model type and the supported ones, so the CLI and the app can show it as is.
 */
public final class UnsupportedTokenizerException extends IllegalArgumentException {

    private final String model;
    private final List<String> supported;

    public UnsupportedTokenizerException(String model, List<String> supported) {
        super("tokenizer model '" + model + "' (tokenizer.ggml.model) is not supported; supported: "
                + String.join(", ", supported));
        this.model = model;
        this.supported = List.copyOf(supported);
    }

    /** The unsupported value of {@code tokenizer.ggml.model}. */
    public String model() {
        return model;
    }

    public List<String> supported() {
        return supported;
    }
}
