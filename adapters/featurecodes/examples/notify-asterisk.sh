#!/bin/sh
# Example --notify_command: ask an Asterisk PBX to tell the phone to re-read its profile
# (SIP NOTIFY, Event: check-sync). Arguments: <mac> <shown extension> <idle|guest> <tenant>.
# The phone is registered as the extension it showed before the change, so notify both the new
# one and the hot-desk endpoint named after the MAC; adapt the endpoint names to your PBX.
mac="$1"
shown="$2"
asterisk -rx "pjsip send notify check-sync endpoint hd-$mac" >/dev/null 2>&1
asterisk -rx "pjsip send notify check-sync endpoint $shown" >/dev/null 2>&1
exit 0
