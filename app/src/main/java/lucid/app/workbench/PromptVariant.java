package lucid.app.workbench;

import java.util.ArrayList;
import java.util.List;

/**
 * One prompt variant as the workbench edits it: a system prompt, few-shot examples and the user
 * message, each of which may use {@code {{variables}}}.
 *
 * <p>A chat variant becomes chat messages for the model's own chat format: the system prompt, then
 * each example as a user turn followed by an assistant turn, then the user message. A text variant
 * is plain completion: the parts joined by blank lines, each example as its input and output on two
 * lines, for base models that continue text.
 *
 * @param id       the variant's name in suites and grids
 * @param chat     render through the model's chat format (false: plain completion text)
 * @param system   the system prompt; blank for none
 * @param examples few-shot examples, in order
 * @param user     the user message (for a text variant: the text the model continues)
 */
public record PromptVariant(String id, boolean chat, String system, List<Example> examples, String user) {

    /** A few-shot example: what the user said and what the assistant should answer. */
    public record Example(String input, String output) {
    }

    public PromptVariant {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a prompt variant needs an id");
        }
        system = system == null ? "" : system;
        user = user == null ? "" : user;
        examples = List.copyOf(examples);
    }

    /** The variant as a suite prompt. */
    public PromptSuite.Prompt toPrompt() {
        if (!chat) {
            List<String> parts = new ArrayList<>();
            if (!system.isBlank()) {
                parts.add(system);
            }
            for (Example e : examples) {
                parts.add(e.input() + "\n" + e.output());
            }
            parts.add(user);
            return new PromptSuite.TextPrompt(id, new PromptTemplate(String.join("\n\n", parts)));
        }
        List<PromptSuite.Message> messages = new ArrayList<>();
        if (!system.isBlank()) {
            messages.add(new PromptSuite.Message("system", new PromptTemplate(system)));
        }
        for (Example e : examples) {
            messages.add(new PromptSuite.Message("user", new PromptTemplate(e.input())));
            messages.add(new PromptSuite.Message("assistant", new PromptTemplate(e.output())));
        }
        messages.add(new PromptSuite.Message("user", new PromptTemplate(user)));
        return new PromptSuite.ChatPrompt(id, messages);
    }

    /** Every variable the variant uses, in order of first appearance. */
    public java.util.Set<String> variables() {
        return toPrompt().variables();
    }

    /**
     * The variant a suite prompt describes. A text prompt becomes the user text of a text variant; a
     * chat prompt must have the shape the workbench edits: an optional system message, user/assistant
     * pairs, and a final user message.
     *
     * @throws IllegalArgumentException naming the prompt when its messages have another shape
     */
    public static PromptVariant fromPrompt(PromptSuite.Prompt prompt) {
        return switch (prompt) {
            case PromptSuite.TextPrompt t -> new PromptVariant(t.id(), false, "", List.of(), t.template().text());
            case PromptSuite.ChatPrompt c -> {
                List<PromptSuite.Message> ms = c.messages();
                int at = 0;
                String system = "";
                if (ms.getFirst().role().equals("system")) {
                    system = ms.getFirst().content().text();
                    at = 1;
                }
                List<Example> examples = new ArrayList<>();
                while (at + 1 < ms.size() && ms.get(at).role().equals("user") && ms.get(at + 1).role().equals("assistant")) {
                    examples.add(new Example(ms.get(at).content().text(), ms.get(at + 1).content().text()));
                    at += 2;
                }
                if (at != ms.size() - 1 || !ms.get(at).role().equals("user")) {
                    throw new IllegalArgumentException("prompt '" + c.id() + "': the workbench edits a system message, "
                            + "user/assistant example pairs and one final user message; this prompt's messages are "
                            + "in another order");
                }
                yield new PromptVariant(c.id(), true, system, examples, ms.get(at).content().text());
            }
        };
    }
}
