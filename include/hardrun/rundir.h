/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HARDRUN_RUNDIR_H
#define HARDRUN_RUNDIR_H

/* The directories under stateDir that decide what the next container gets
 * (profile records, id slices, MCS pairs): whoever can write them chooses
 * another container's policy, so each one is opened without following a
 * symlink and must be owned by hardrun's user and writable by no one else. */

#include <stdbool.h>

#include "hardrun/error.h"

/* Open the directory `name` under `dirfd` (AT_FDCWD for an absolute name),
 * making it 0700 when `create`.  Returns the fd; -1 with `err`; -2 when it
 * is absent and not to be made.  `what` names it in messages. */
int hr_rundir_open(int dirfd, const char *name, const char *what, bool create,
                   struct hr_error *err);

/* Take an exclusive flock on `name` (made 0600) in `dirfd`, waiting a
 * bounded time: a hung holder must fail a create, not hang it.  Returns
 * the fd that holds the lock (closing it releases). */
int hr_rundir_lock(int dirfd, const char *name, const char *what, struct hr_error *err);

#endif
