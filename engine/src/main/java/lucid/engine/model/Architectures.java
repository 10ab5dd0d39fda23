package lucid.engine.model;

import java.util.List;

/** The architectures the engine can run, looked up by {@code general.architecture}. */
public final class Architectures {

    private static final List<Architecture> ALL = List.of(new LlamaArchitecture());

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
