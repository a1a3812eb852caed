/*
 * proto_cli: the protocol between a cli session and mgd, over the unix socket
 * <state-dir>/mgd.sock, framed by lib/msg.h.  Every request carries an integer
 * "id" that its reply repeats.  The cli is thin: it never opens the database
 * and loads no schema; mgd parses every line.
 *
 * Requests (cli -> mgd), member "op":
 *
 *   "hello"    user, tty, pid, interactive (bool)
 *              -> host, user, version
 *   "exec"     line: one command as typed, pipes included
 *   "answer"   text: the operator's answer to the question in "ask"
 *   "input"    text: everything typed after an "input" reply, up to ^D;
 *              or abort (any string): ^C, the load is dropped
 *   "complete" line: the text before the cursor
 *              -> matches: [words], common: longest common completion
 *   "help"     line: the text before `?`
 *              -> output: the "Possible completions:" block
 *
 * Reply members (any of them may be absent):
 *   ok       bool   false when the command failed (the cli's exit status),
 *                   also when its rendered data reports the failure
 *                   (RPC_DATA_FAILED, proto_daemon.h)
 *   before   string printed first, outside the pipes and the pager:
 *                   broadcasts (automatic rollback) and the
 *                   `set cli timestamp` line
 *   output   string text to print as is (ends with "\n" when not empty)
 *   error    string a syntax error message ("syntax error.",
 *                   "unknown command.", "missing argument.",
 *                   "'s' is ambiguous.") printed after a caret line
 *   caret    number the byte offset in "line" of the bad token
 *   render   string the name of a cli renderer for "data" (operational
 *                   replies)
 *   data     object structured operational data for that renderer
 *   pipes    array  text pipes the cli applies to the output, in order,
 *                   each an array of words: ["match","RE"],
 *                   ["except","RE"], ["find","RE"], ["count"],
 *                   ["last","N"], ["trim","N"], ["save","FILE"],
 *                   ["no-more"]
 *   ask      string a yes/no question; the cli prints it, reads one line
 *                   and sends "answer"; the reply to that is a normal
 *                   reply
 *   input    string a notice ("[Type ^D at a new line to end input]");
 *                   the cli prints it, reads until ^D (or end of input)
 *                   and sends "input"
 *   prompt   object the state the next prompt shows:
 *                   mode "operational" | "configuration", user, host,
 *                   edit "[edit security ike]" (configuration mode),
 *                   notice "# commit confirmed will be rolled back in
 *                   5 minutes", confirm-left, confirm-unit: a pending
 *                   commit confirmed's seconds left and seconds per
 *                   minute; the cli counts the minutes down itself at
 *                   each prompt it prints
 *   exit     bool   the session ends (exit/quit in operational mode)
 *   history  string what the shell's history records in place of the
 *                   typed line: the line with each typed secret in the
 *                   $9$ form mgd stored (`set ... ascii-text "..."`)
 *
 * Unsolicited frames (mgd -> an "interactive" cli, no "id"):
 *   broadcast string  a message to every session ("Broadcast Message from
 *                     root@host ..."), sent when it happens; prompt: the
 *                     prompt state now.  The cli prints it at once, at its
 *                     idle prompt too, and redraws the prompt and typed line.
 *                     A cli that is not interactive gets it in "before".
 */
#ifndef QSAFE_PROTO_CLI_H
#define QSAFE_PROTO_CLI_H

#define MGD_SOCKET_NAME "mgd.sock"

#define CLI_OP_HELLO "hello"
#define CLI_OP_EXEC "exec"
#define CLI_OP_ANSWER "answer"
#define CLI_OP_INPUT "input"
#define CLI_OP_COMPLETE "complete"
#define CLI_OP_HELP "help"

#endif
