/* Typed key tables (systemd's ConfigPerfItem): each key a file knows names its section, the
 * parser of its value type, that parser's argument and where in the target struct the value
 * goes. Readers look keys up here and call the parser; no reader switches over key kinds. */
#ifndef GUESTINIT_CONF_KEYTABLE_H
#define GUESTINIT_CONF_KEYTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lexer.h"

/* One value to parse. */
struct conf_value {
	const struct conf_entry *at; /* file, line, section and key as written */
	const char *text;            /* the value (unquoted where the dialect quotes) */
	/* For what a parser has to say about a value it takes anyway ("Type=idle is run as
	 * Type=simple here"); may be NULL. */
	void (*note)(void *ctx, const struct conf_entry *at, const char *msg);
	void *note_ctx;
};

/* Why a parser refused a value. */
struct conf_refusal {
	struct gi_error err; /* what the value should be: "expected true or false" */
	char kept[64];       /* the value left in force, for readers that name it: "true" */
};

struct conf_key;

/* Parses v->text into field (the target plus the key's offset); target is the whole struct,
 * for parsers that set more than one field. A refused value leaves the target as it was and
 * returns -errno with why filled in. */
typedef int (*conf_parse_fn)(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			     struct conf_refusal *why);

struct conf_key {
	const char *section;
	const char *key;
	conf_parse_fn parse;
	const void *ltype; /* the parser's argument (a range, a string table...); NULL if none */
	size_t offset;     /* of the value in the target */
};

/* The key of keys[0..n) for section and key; names compared ignoring case when asked (WSL).
 * NULL if none. */
const struct conf_key *conf_key_find(const struct conf_key *keys, size_t n, const char *section, const char *key,
				     bool ignore_case);

/* Sends a note through v (printf-style). */
void conf_note(const struct conf_value *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- parsers, one per value type; what their ltype points to ----------------------------- */

/* bool. WSL's words: true/false, yes/no, on/off, 1/0, any case. */
int conf_parse_bool_wsl(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why);
/* bool. systemd's words: WSL's and y/n, t/f, any case. */
int conf_parse_bool_systemd(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			    struct conf_refusal *why);
int conf_bool_wsl(const char *s, bool *out);
int conf_bool_systemd(const char *s, bool *out);

/* A whole number in [min, max], digits only (parse_uint). */
struct conf_range {
	uint64_t min, max;
	int base;        /* 10, 8, or 0 for C's prefixes */
	const char *why; /* "expected milliseconds" */
};
/* int; ltype: struct conf_range (max at most INT_MAX). */
int conf_parse_int(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		   struct conf_refusal *why);
/* unsigned; ltype: struct conf_range (max at most UINT_MAX). */
int conf_parse_unsigned(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
			struct conf_refusal *why);
/* unsigned, an octal file mode or mask; ltype: struct conf_range (base ignored: 8). */
int conf_parse_mode(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why);

/* A string into a char array. */
struct conf_string {
	size_t size;                    /* of the array, with its NUL */
	bool (*valid)(const char *s);   /* NULL: any string */
	const char *why;                /* what valid() wants: "an absolute path" */
};
/* char[size]; ltype: struct conf_string. */
int conf_parse_string(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why);
/* char *, malloc'd (the old one freed); no ltype. */
int conf_parse_strdup(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		      struct conf_refusal *why);

/* An enum by name: names[value] is the name of value (NULL: a value without one), compared
 * exactly (systemd's DEFINE_STRING_TABLE_LOOKUP). */
struct conf_enum {
	const char *const *names;
	size_t n;
	const char *why; /* "expected none, main, exec or all" */
};
int conf_enum_from_string(const struct conf_enum *e, const char *s);
const char *conf_enum_to_string(const struct conf_enum *e, int value);
/* an enum (int-sized) field; ltype: struct conf_enum. */
int conf_parse_enum(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		    struct conf_refusal *why);

/* A key that is read and has no effect; no ltype. */
int conf_parse_ignored(const struct conf_value *v, const struct conf_key *k, void *field, void *target,
		       struct conf_refusal *why);

#endif
