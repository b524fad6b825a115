# wifi-join: join the access point, wait for DHCP, then look up the server.
# On the board the DHCP exchange is done by the SDK; in the lab the `network`
# module is a shim that sends ESP8266-style DHCP/ARP frames (lab/shim/).
import network
import socket
import time
sta = network.WLAN(network.STA_IF)
sta.active(True)
sta.connect('socketscope-lab', 'password')
while not sta.isconnected():
    time.sleep(0.1)
print('network config:', sta.ifconfig())
print('server.lab is', socket.getaddrinfo('server.lab', 80)[0][-1])
