/*
 * complete: mgd's answers to the cli's "complete" (TAB, space) and "help"
 * (`?`) requests (proto/proto_cli.h), from the schema, the operational command
 * tree and the configuration the session edits (Junos's syntax errors and
 * caret, `?` help).
 */
#ifndef QSAFE_COMPLETE_H
#define QSAFE_COMPLETE_H

#include <stdbool.h>

#include <jansson.h>

#include "mgd/mgd.h"

/* Names of existing entries listed at most; the rest is one "..." line. */
#define COMPLETE_MAX_NAMES 200

/*
 * Answers one request: help (`?`) fills "output" with the "Possible
 * completions:" block; otherwise "matches" and "common" (and "output" with
 * the same block when the cli should list the candidates).  req["space"]
 * asks for keywords only.  A word that matches nothing gives the caret
 * error of exec ("error", "caret").
 */
void complete_request(
    struct session *s, const json_t *req, bool help, json_t *reply);

#endif
