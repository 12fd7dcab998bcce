"""The interactive shell (`rem-agent repl`): lexer, completion, config, commands, shell."""
