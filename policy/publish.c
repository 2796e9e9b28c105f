/*
 * publish.c: published ports (-p) against the policy's grant: the -p
 * grammar, ports entries, addresses, and the decision whether a caller
 * may publish what they ask for.  Pure: no system call, no output.
 *
 * Invariants:
 * - A -p value MUST be [ADDR:]HOSTPORT:PORT[/tcp] exactly: ports are
 *   decimal 1..65535 with nothing around them, ADDR an IPv4 address or a
 *   bracketed IPv6 address; udp (and any other protocol) MUST be refused
 *   with a message saying it is not supported.
 * - A host port MUST be covered by a ports entry of the caller's merged
 *   policy; there is no wildcard, so a port below 1024 is granted only by
 *   an entry that names it (a range starting below 1024).
 * - An address MUST be one of publish_addresses exactly (127.0.0.1 is
 *   always one); 0.0.0.0 is granted only when listed, and granting it
 *   grants no other address.
 * - A host port asked for twice in one launch MUST be refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/policy.h"

/* Decimal 1..65535, nothing else. */
static int
port_num(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5 || s[0] < '1' || s[0] > '9')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
policy_port_range(const char *in, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(in, '-');

	if (dash == NULL)
		return port_num(in, strlen(in), lo) == 0 ? (*hi = *lo, 0) : -1;
	if (port_num(in, (size_t)(dash - in), lo) != 0 ||
	    port_num(dash + 1, strlen(dash + 1), hi) != 0 || *hi < *lo)
		return -1;
	return 0;
}

static int
addr_parse(const char *in, int *family, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (strchr(in, ':') == NULL) {
		*family = AF_INET;
		return inet_pton(AF_INET, in, addr) == 1 ? 0 : -1;
	}
	*family = AF_INET6;
	return inet_pton(AF_INET6, in, addr) == 1 ? 0 : -1;
}

int
policy_addr_canon(const char *in, char *out, size_t len)
{
	unsigned char a[16];
	int family;

	if (strlen(in) >= POLICY_ADDR_TEXT || addr_parse(in, &family, a) != 0)
		return -1;
	return inet_ntop(family, a, out, (socklen_t)len) == NULL ? -1 : 0;
}

/* 127.0.0.0/8 or ::1, given its family and 16 bytes. */
static bool
addr_loopback(int family, const unsigned char addr[16])
{
	static const unsigned char lo6[16] = { [15] = 1 };

	return family == AF_INET ? addr[0] == 127 : memcmp(addr, lo6, 16) == 0;
}

bool
policy_addr_loopback(const char *in)
{
	unsigned char a[16];
	int family;

	return addr_parse(in, &family, a) == 0 && addr_loopback(family, a);
}

static int
perr(struct ctl_err *e, const char *spec, const char *why)
{
	err_set(e, "run: -p %.100s: %s", spec, why);
	return -1;
}

int
policy_publish_parse(const char *spec, struct policy_publish *out,
    struct ctl_err *e)
{
	char buf[128], *s = buf, *proto, *c1, *hp, *addr = NULL;
	static char deflt[] = "127.0.0.1";

	memset(out, 0, sizeof(*out));
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return perr(e, spec, "value too long");
	if ((proto = strchr(s, '/')) != NULL) {
		*proto++ = '\0';
		if (strcmp(proto, "udp") == 0 || strcmp(proto, "sctp") == 0)
			return perr(e, spec,
			    "only tcp ports can be published (udp and sctp are not supported)");
		if (strcmp(proto, "tcp") != 0)
			return perr(e, spec, "the protocol must be tcp");
	}
	if (s[0] == '[') { /* [IPv6]:HOSTPORT:PORT */
		char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return perr(e, spec,
			    "expected [ADDR]:HOSTPORT:PORT for an IPv6 address");
		*close = '\0';
		addr = s + 1;
		s = close + 2;
		if (strchr(addr, ':') == NULL)
			return perr(e, spec,
			    "brackets are for IPv6 addresses only");
	}
	if ((c1 = strrchr(s, ':')) == NULL)
		return perr(e, spec,
		    "expected [ADDR:]HOSTPORT:PORT (a port range or a container port alone is not supported)");
	*c1 = '\0';
	hp = s;
	if (addr == NULL && (hp = strrchr(s, ':')) != NULL) {
		*hp++ = '\0';
		addr = s;
		if (strchr(addr, ':') != NULL)
			return perr(e, spec,
			    "write an IPv6 address in brackets: [ADDR]:HOSTPORT:PORT");
	} else if (hp == NULL) {
		hp = s;
	}
	if (port_num(hp, strlen(hp), &out->hostport) != 0)
		return perr(e, spec,
		    "the host port must be a number from 1 to 65535");
	if (port_num(c1 + 1, strlen(c1 + 1), &out->port) != 0)
		return perr(e, spec,
		    "the container port must be a number from 1 to 65535");
	if (addr == NULL || addr[0] == '\0')
		addr = deflt;
	if (addr_parse(addr, &out->family, out->addr) != 0 ||
	    inet_ntop(out->family, out->addr, out->addrtext,
		sizeof(out->addrtext)) == NULL)
		return perr(e, spec,
		    "the address must be an IPv4 address or an IPv6 address in brackets");
	out->loopback = addr_loopback(out->family, out->addr);
	return 0;
}

int
policy_publish_check(const struct policy_eff *eff,
    const struct policy_publish *v, size_t n, struct ctl_err *e)
{
	if (n > POLICY_PUBLISH_MAX) {
		err_set(e, "run: more than %d -p options", POLICY_PUBLISH_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		bool port_ok = false, addr_ok = false;

		for (size_t j = 0; j < i; j++)
			if (v[j].hostport == v[i].hostport) {
				err_set(e, "-p: host port %u requested twice",
				    v[i].hostport);
				return -1;
			}
		for (size_t j = 0; j < eff->nports && !port_ok; j++)
			port_ok = eff->ports[j].lo <= v[i].hostport &&
			    v[i].hostport <= eff->ports[j].hi;
		if (!port_ok) {
			err_set(e,
			    "-p %s:%u:%u refused: host port %u is not among the ports the policy lets you publish",
			    v[i].addrtext, v[i].hostport, v[i].port,
			    v[i].hostport);
			return -1;
		}
		for (size_t j = 0; j < eff->npublish_addrs && !addr_ok; j++)
			addr_ok = strcmp(eff->publish_addrs[j].addr,
				      v[i].addrtext) == 0;
		if (!addr_ok) {
			err_set(e,
			    "-p %s:%u:%u refused: address %s is not among the publish_addresses the policy grants you",
			    v[i].addrtext, v[i].hostport, v[i].port,
			    v[i].addrtext);
			return -1;
		}
	}
	return 0;
}
