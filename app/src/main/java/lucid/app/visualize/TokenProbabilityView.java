package lucid.app.visualize;

import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * An assistant reply with each token tinted by the probability the model gave it (viridis: dark for
 * unlikely, yellow for likely) above a legend; hovering a token tells its probability, rank,
 * entropy and the alternatives the model considered.
 */
public final class TokenProbabilityView extends Control {

    private final TokenProbabilityViewModel model;

    public TokenProbabilityView(TokenProbabilityViewModel model) {
        this.model = model;
        getStyleClass().add("token-probability-view");
    }

    public TokenProbabilityViewModel model() {
        return model;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new TokenProbabilitySkin(this);
    }
}
