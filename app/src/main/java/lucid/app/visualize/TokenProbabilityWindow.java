package lucid.app.visualize;

import javafx.stage.Window;

import lucid.app.chat.ReplyProbabilities;
import lucid.app.settings.Messages;

/** Opens a reply's token probability overlay in its own window. */
public final class TokenProbabilityWindow {

    private TokenProbabilityWindow() {
    }

    public static LabWindow open(Window owner, Messages messages, ReplyProbabilities probabilities) {
        TokenProbabilityViewModel model = new TokenProbabilityViewModel(messages, probabilities);
        TokenProbabilityView view = new TokenProbabilityView(model);
        view.setId("token-probability-view");
        LabWindow window = new LabWindow(owner, messages, "probs.title", "probs.help", view, null, model::csv,
                model::json);
        window.show();
        return window;
    }
}
