package io.tcpstack.cli;

import io.tcpstack.api.TcpStack;
import io.tcpstack.services.ChargenService;
import io.tcpstack.services.DiscardService;
import io.tcpstack.services.EchoService;
import io.tcpstack.services.HttpService;

/**
 * The services {@code serve} offers: echo 7, discard 9, chargen 19, HTTP 80; every other port
 * answers RST. Their SYN and accept backlogs are the stack's configured ones.
 */
final class ServiceListeners {
    private ServiceListeners() {
    }

    static void register(final TcpStack stack) {
        stack.listen(io.tcpstack.services.Services.ECHO_PORT, EchoService.factory());
        stack.listen(io.tcpstack.services.Services.DISCARD_PORT, DiscardService.factory());
        stack.listen(io.tcpstack.services.Services.CHARGEN_PORT, ChargenService.factory());
        stack.listen(io.tcpstack.services.Services.HTTP_PORT, HttpService.factory());
    }
}
