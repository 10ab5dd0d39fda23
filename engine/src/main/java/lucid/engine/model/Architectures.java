package lucid.engine.model;

import java.util.List;

/**
 * The architectures the engine can run, looked up by {@code general.architecture}. Mixtral and
 * Mistral files say {@code llama}: they are Llama with experts, and Llama.
 */
public final class Architectures {

    private static final List<Architecture> ALL = List.of(new LlamaArchitecture(), new QwenArchitectures.Qwen2(),
            new QwenArchitectures.Qwen2Moe(), new QwenArchitectures.Qwen3(), new QwenArchitectures.Qwen3Moe(),
            new GemmaArchitectures.Gemma(), new GemmaArchitectures.Gemma2(), new GemmaArchitectures.Gemma3(),
            new Phi3Architecture());

    private Architectures() {
    }

    public static List<String> supportedNames() {
        return ALL.stream().map(Architecture::name).toList();
    }

    /** @throws UnsupportedModelException naming the architecture and listing the supported ones */
    public static Architecture forName(String name) {
        for (Architecture a : ALL) {
            if (a.name().equals(name)) {
                return a;
            }
        }
        throw new UnsupportedModelException("architecture '" + name + "' is not supported (supported: "
                + String.join(", ", supportedNames()) + ")");
    }
}
