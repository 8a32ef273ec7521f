package tests;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** A WebSocket listener for JSON messages (Jupyter's and DevTools' both): frames joined, each whole message handed on. */
final class JsonFrames implements WebSocket.Listener {
    private final StringBuilder frame = new StringBuilder();
    private final Consumer<JsonObject> onMessage;

    JsonFrames(Consumer<JsonObject> onMessage) {
        this.onMessage = onMessage;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        frame.append(data);
        if (last) {
            JsonObject message = JsonParser.parseString(frame.toString()).getAsJsonObject();
            frame.setLength(0);
            onMessage.accept(message);
        }
        socket.request(1);
        return null;
    }
}
