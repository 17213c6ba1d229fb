/* The one lexer of guestinit's INI-like files: /etc/wsl.conf and the host's .wslconfig (WSL's
 * dialect), systemd unit files and drop-ins (systemd's). Bytes in; each `key = value` with its
 * section, file and line out through a callback, and each line it must ignore as a problem
 * naming file, line and what is wrong. The dialects differ only in the options below. */
#ifndef GUESTINIT_CONF_LEXER_H
#define GUESTINIT_CONF_LEXER_H

#include <stdbool.h>
#include <stddef.h>

/* How physical lines become one logical line. */
enum conf_lines {
	/* WSL: a line whose text (comment cut, trailing blanks trimmed) ends in '\' goes on with the
	 * next line, whose leading blanks are dropped with the backslash; a comment line ends the
	 * joined line; an unreadable line still takes its continuation along (so its tail is not
	 * read as lines of its own) and each unreadable line is reported on its own line. */
	CONF_LINES_WSL,
	/* systemd: a line whose last byte is '\' goes on with the next line, joined whole, the
	 * backslash turned into a blank; a line starting with '#' or ';' inside is skipped; an
	 * unreadable line ends the joined line, which is reported once, on its first line. */
	CONF_LINES_SYSTEMD,
};

/* The wording of problems (tests and users grep for these). */
enum conf_words { CONF_WORDS_WSL, CONF_WORDS_SYSTEMD };

enum {
	/* '#' outside double quotes (with backslash escapes inside them) ends a line's text. Both
	 * dialects take '#' and ';' as the first non-blank of a line as a comment. */
	CONF_INLINE_COMMENTS = 1 << 0,
	/* Control bytes other than tab, and DEL, make a line unreadable; otherwise only NUL does. */
	CONF_CONTROL_UNREADABLE = 1 << 1,
};

struct conf_dialect {
	size_t max_line;    /* bytes of a logical line; a longer one is ignored */
	size_t max_section; /* bytes of a section name */
	size_t max_key;     /* bytes of a key name */
	/* Whether s[0..n) may name a section or a key (never when n is 0). */
	bool (*is_name)(const char *s, size_t n);
	enum conf_lines lines;
	enum conf_words words;
	unsigned flags; /* CONF_INLINE_COMMENTS, CONF_CONTROL_UNREADABLE */
};

#define CONF_WSL_MAX_LINE 4096
#define CONF_SYSTEMD_MAX_LINE 65536

/* Names: a letter, then letters and digits; 4096-byte lines. */
extern const struct conf_dialect conf_dialect_wsl;
/* Names: letters, digits, '_', '-' and '.'; keys up to 47 bytes; 64 KiB lines. */
extern const struct conf_dialect conf_dialect_systemd;

/* One assignment, valid during the callback. */
struct conf_entry {
	const char *file;
	unsigned line;       /* the physical line its logical line starts on (1-based) */
	const char *section; /* as written; "" before the first section header */
	const char *key;     /* as written, without the blanks around it */
	const char *value;   /* from the first non-blank after '=' to the end of the logical line:
			      * comments cut, continuations joined, quotes left (conf_unquote) */
};

enum conf_problem {
	CONF_LEX_UNREADABLE,       /* control characters, binary data, a NUL (see the flags) */
	CONF_LEX_TOO_LONG,         /* over max_line */
	CONF_LEX_SECTION_UNCLOSED, /* '[' without a closing ']' */
	CONF_LEX_SECTION_NAME,     /* not a name between the brackets */
	CONF_LEX_SECTION_TOO_LONG, /* over max_section */
	CONF_LEX_NO_ASSIGNMENT,    /* neither a section header nor "key = value" */
	CONF_LEX_KEY_NAME,         /* not a name before the '=' */
	CONF_LEX_KEY_TOO_LONG,     /* over max_key */
};

/* One line the lexer ignores. */
struct conf_lex_error {
	const char *file;
	unsigned line;
	enum conf_problem problem;
	const char *msg; /* what is wrong, in the dialect's words, without file and line */
};

struct conf_lex_ops {
	/* Each assignment, in order; a negative return stops the lexer, which returns it. */
	int (*assignment)(void *ctx, const struct conf_entry *e);
	/* Each ignored line; may be NULL. */
	void (*problem)(void *ctx, const struct conf_lex_error *e);
};

/* Lexes len bytes of buf (CRLF or LF line ends, a UTF-8 byte order mark first, no trailing
 * newline needed; NUL bytes are data). Returns 0, -ENOMEM, or a callback's negative return. */
int conf_lex(const struct conf_dialect *d, const char *file, const char *buf, size_t len,
	     const struct conf_lex_ops *ops, void *ctx);

/* WSL's quoting of values. */
enum conf_quote_problem {
	CONF_QUOTE_OK,
	CONF_QUOTE_UNCLOSED, /* no closing quote: taken as far as the line goes */
	CONF_QUOTE_TRAILING, /* text after the closing quote: ignored */
};

/* A value in double quotes loses them, with \n and \t resolved and any other \X taken as X; a
 * value not starting with '"' is taken as it is. Writes it to out (cap bytes). Returns 0, or
 * -ENAMETOOLONG when it does not fit; *problem says what was wrong with the quotes. */
int conf_unquote(const char *in, char *out, size_t cap, enum conf_quote_problem *problem);

#endif
