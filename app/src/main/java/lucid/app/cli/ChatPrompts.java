package lucid.app.cli;

import lucid.app.workbench.SuiteRunner;
import lucid.engine.inference.LoadedModel;

/** How CLI commands turn chat messages into a model's prompt. */
final class ChatPrompts {
    private ChatPrompts() {
    }

    /**
     * The model's chat renderer, or null while the engine has no chat-template support: suites with
     * chat prompts are then refused with a message by {@link SuiteRunner}.
     */
    static SuiteRunner.ChatRenderer renderer(LoadedModel model) {
        return null;
    }
}
