package lucid.app.chat;

import java.util.List;

/** The presets and personas that ship with Lucid. */
public final class Presets {
    private Presets() {
    }

    public static final Preset PRECISE = new Preset("Precise", true, 0.2f, 20, 0.9f, 0.1f, 1.1f, "");
    public static final Preset BALANCED = new Preset("Balanced", true, 0.8f, 40, 0.95f, 0.05f, 1.1f, "");
    public static final Preset CREATIVE = new Preset("Creative", true, 1.2f, 100, 0.98f, 0.02f, 1.05f, "");

    public static final List<Preset> SAMPLING = List.of(PRECISE, BALANCED, CREATIVE);

    public static final List<Preset> PERSONAS = List.of(
            new Preset("Assistant", true, 0.7f, 40, 0.95f, 0.05f, 1.1f,
                    "You are a helpful, concise assistant."),
            new Preset("Storyteller", true, 1.0f, 60, 0.97f, 0.03f, 1.05f,
                    "You tell short, vivid stories for children."),
            new Preset("Code reviewer", true, 0.2f, 20, 0.9f, 0.1f, 1.1f,
                    "You review code carefully and explain problems and fixes briefly."));
}
