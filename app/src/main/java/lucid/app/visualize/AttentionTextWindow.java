package lucid.app.visualize;

import java.util.concurrent.Executor;

import javafx.stage.Window;

import lucid.app.settings.Messages;
import lucid.engine.inference.LoadedModel;

/**
 * Opens the text view of attention in its own window: the conversation's tokens as text, shaded by
 * the attention a query token (hovered, or clicked to keep it) pays to each earlier token, with the
 * heatmap's layer and head pickers.
 */
public final class AttentionTextWindow {

    private AttentionTextWindow() {
    }

    /** @param query the query token shown at first (the reply's last token, say); -1 for none */
    public static LabWindow open(Window owner, Messages messages, LoadedModel model, int[] tokens, int query,
                                 Executor worker, Executor fx) {
        AttentionViewModel vm = new AttentionViewModel(model, tokens, worker, fx);
        vm.selectedQueryProperty().set(query);
        LabWindow window = open(owner, messages, vm);
        window.stage().setOnHidden(e -> vm.cancel());
        return window;
    }

    /** The text view of a view-model the heatmap may share (the same captures, layer and head). */
    public static LabWindow open(Window owner, Messages messages, AttentionViewModel vm) {
        AttentionText text = new AttentionText(vm, AttentionText.Style.SHADE);
        text.setId("attention-text");
        LabWindow window = new LabWindow(owner, messages, "attention.text.title", "attention.text.help", text,
                AttentionWindow.controls(messages, vm), () -> rowCsv(vm), vm::json);
        window.readyProperty().bind(vm.matrixProperty().isNotNull().and(vm.runningProperty().not()));
        window.show();
        return window;
    }

    /** The shown query's row: one line per key token with its weight. */
    public static String rowCsv(AttentionViewModel vm) {
        int q = vm.selectedQueryProperty().get();
        StringBuilder s = new StringBuilder("query,key,key_piece,weight\n");
        float[] row = vm.row(q);
        for (int k = 0; row != null && k <= q; k++) {
            s.append(q).append(',').append(k).append(',').append(TokenProbabilityViewModel.quote(vm.piece(k)))
                    .append(',').append(row[k]).append('\n');
        }
        return s.toString();
    }
}
