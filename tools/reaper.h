/* Make the CLI the reaper of processes an emulator leaves behind (see reaper.c). */
#pragma once

/* Become a child subreaper and kill and reap adopted orphans at exit. */
void dc_cli_adopt_orphans(void);
