package io.tcpstack.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TwoStacksExampleTest {
    @Test
    @Timeout(30)
    void theExampleEchoesItsMessage() throws Exception {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TwoStacksExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8))
            .contains("sent:   hello through two Java TCP stacks")
            .contains("echoed: hello through two Java TCP stacks");
    }
}
