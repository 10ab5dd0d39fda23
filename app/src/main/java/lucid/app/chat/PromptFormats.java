package lucid.app.chat;

import java.util.List;

import lucid.engine.inference.LoadedModel;
import lucid.engine.tokenizer.Vocabulary;

/**
 * Built-in prompt formats, and the choice for a model: ChatML when the vocabulary has its markers,
 * Llama-2 {@code [INST]} when the model's template uses it, otherwise plain text that a base model
 * (like the story models) simply continues.
 */
public final class PromptFormats {
    private PromptFormats() {
    }

    public static PromptFormat forModel(LoadedModel model) {
        Vocabulary v = model.tokenizer().vocabulary();
        String template = model.file().metadata().getString("tokenizer.chat_template", "");
        if (v.id("<|im_start|>").isPresent() || template.contains("<|im_start|>")) {
            return CHATML;
        }
        if (template.contains("[INST]")) {
            return LLAMA2;
        }
        return PLAIN;
    }

    /**
     * Messages one after another for a base model: a reply is the model's continuation of the text
     * before it, so it is appended as is (which also lets the next turn reuse the cached tokens);
     * every other message starts on a new line.
     */
    public static final PromptFormat PLAIN = new PromptFormat() {
        @Override
        public String name() {
            return "plain";
        }

        @Override
        public String render(List<Turn> turns, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder();
            for (Turn t : turns) {
                if (t.content().isBlank()) {
                    continue;
                }
                if (t.role() != Role.ASSISTANT && !out.isEmpty()) {
                    out.append('\n');
                }
                out.append(t.role() == Role.ASSISTANT ? t.content() : t.content().strip());
            }
            return out.toString();
        }
    };

    public static final PromptFormat CHATML = new PromptFormat() {
        @Override
        public String name() {
            return "chatml";
        }

        @Override
        public String render(List<Turn> turns, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder();
            for (Turn t : turns) {
                out.append("<|im_start|>").append(t.role().id()).append('\n').append(t.content()).append("<|im_end|>\n");
            }
            if (addGenerationPrompt) {
                out.append("<|im_start|>assistant\n");
            }
            return out.toString();
        }
    };

    public static final PromptFormat LLAMA2 = new PromptFormat() {
        @Override
        public String name() {
            return "llama2";
        }

        @Override
        public String render(List<Turn> turns, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder();
            String system = "";
            boolean first = true;
            for (Turn t : turns) {
                switch (t.role()) {
                    case SYSTEM -> system = t.content();
                    case USER -> {
                        out.append(first ? "[INST] " : "<s>[INST] ");
                        if (!system.isBlank()) {
                            out.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                            system = "";
                        }
                        out.append(t.content().strip()).append(" [/INST]");
                        first = false;
                    }
                    case ASSISTANT -> out.append(' ').append(t.content().strip()).append(" </s>");
                }
            }
            return out.toString();
        }
    };
}
