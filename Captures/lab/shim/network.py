"""Lab stand-in for MicroPython's `network` module (station interface only).

WLAN.connect() does what the ESP8266 SDK does after the Wi-Fi association:
the DHCP exchange, ARP check, gratuitous ARP (see ../dhcp_client.py). The
802.11 association itself has no counterpart on a veth link.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import dhcp_client  # noqa: E402

STA_IF = 0
AP_IF = 1


class WLAN:
    def __init__(self, interface_id=STA_IF):
        self._if = os.environ.get("LAB_BOARD_IF", "wlan0")
        self._active = False
        self._config = None

    def active(self, state=None):
        if state is None:
            return self._active
        self._active = bool(state)

    def connect(self, ssid=None, key=None):
        if not self._active:
            raise OSError("STA required")
        self._config = dhcp_client.join(self._if, os.environ.get("LAB_BOARD_ROUTE_OPTS", ""))

    def isconnected(self):
        return self._config is not None

    def ifconfig(self):
        return self._config or ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
