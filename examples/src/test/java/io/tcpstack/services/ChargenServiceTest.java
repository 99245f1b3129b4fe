package io.tcpstack.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class ChargenServiceTest {
    /** The first two lines of RFC 864's "Example" listing. */
    private static final String RFC_LINE_1 =
        "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh";
    private static final String RFC_LINE_2 =
        "\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghi";

    @Test
    void firstTwoLines_areRfc864Example() {
        assertThat(RFC_LINE_1).hasSize(72);
        final FakeConnection c = new FakeConnection(ChargenService.factory().get(), 148).connect();
        assertThat(c.sentAscii()).isEqualTo(RFC_LINE_1 + "\r\n" + RFC_LINE_2 + "\r\n");
    }

    @Test
    void cycle_is95LinesOf72PrintablesAndCrlf_eachRotatedByOne() {
        final byte[] cycle = ChargenService.cycle();
        assertThat(cycle).hasSize(7030);
        for (int line = 0; line < 95; line++) {
            final int at = line * 74;
            assertThat(cycle[at + 72]).isEqualTo((byte) '\r');
            assertThat(cycle[at + 73]).isEqualTo((byte) '\n');
            for (int i = 0; i < 72; i++) {
                assertThat(cycle[at + i]).isBetween((byte) 32, (byte) 126);
                final int next = cycle[at + i] == 126 ? 32 : cycle[at + i] + 1;
                if (i < 71) {
                    assertThat((int) cycle[at + i + 1]).isEqualTo(next);
                }
            }
            final byte first = cycle[at];
            final byte nextLineFirst = cycle[(at + 74) % 7030];
            assertThat((int) nextLineFirst).isEqualTo(first == 126 ? 32 : first + 1);
        }
        // The space-led line (the RFC prose's "line 0") is the 95th, just before the wrap.
        assertThat(new String(cycle, 94 * 74, 72, StandardCharsets.US_ASCII))
            .isEqualTo(" " + RFC_LINE_1.substring(0, 71));
    }

    @Test
    void wrapsAfter95Lines() {
        final FakeConnection c = new FakeConnection(new ChargenService(), 7030 + 148).connect();
        final byte[] sent = c.sent();
        assertThat(sent).hasSize(7030 + 148);
        assertThat(new String(sent, 7030, 148, StandardCharsets.US_ASCII))
            .isEqualTo(RFC_LINE_1 + "\r\n" + RFC_LINE_2 + "\r\n");
    }

    @Test
    void keepsSendingOnWritable_continuingWhereItStopped() {
        final FakeConnection c = new FakeConnection(new ChargenService(), 1000).connect();
        for (int i = 0; i < 100; i++) {
            c.ack(333 + i);
        }
        final byte[] sent = c.sent();
        assertThat(c.writableCalls).isEqualTo(100);
        assertThat(sent.length).isGreaterThan(3 * 7030);
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        while (expected.size() < sent.length) {
            expected.writeBytes(ChargenService.cycle());
        }
        assertThat(sent).isEqualTo(Arrays.copyOf(expected.toByteArray(), sent.length));
    }

    @Test
    void receivedData_isDiscarded() {
        final FakeConnection c = new FakeConnection(new ChargenService(), 100).connect();
        c.receive("ignored data");
        assertThat(c.unconsumed()).isZero();
        assertThat(c.sent()).hasSize(100);
    }

    @Test
    void peerClosed_shutsDownOutput_andSendsNoMore() {
        final FakeConnection c = new FakeConnection(new ChargenService(), 100).connect();
        c.peerClose();
        assertThat(c.shutdownCalls).isEqualTo(1);
        c.setCapacity(1000);
        c.ack(100); // would throw in send if chargen still wrote
        assertThat(c.sent()).hasSize(100);
    }
}
