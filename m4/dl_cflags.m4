# DL_CFLAGS_ADD(FLAG)
# Append FLAG to DL_CFLAGS if the C compiler accepts it, so that the warning
# set degrades gracefully on compilers that lack a flag (libuv's habit).
AC_DEFUN([DL_CFLAGS_ADD], [
  AS_VAR_PUSHDEF([dl_cache], [dl_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [dl_cache], [
    dl_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $1"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([dl_cache], [yes])], [AS_VAR_SET([dl_cache], [no])])
    CFLAGS=$dl_save_CFLAGS
  ])
  AS_VAR_IF([dl_cache], [yes], [DL_CFLAGS="$DL_CFLAGS $1"])
  AS_VAR_POPDEF([dl_cache])
])

# AX_PTHREAD_SIMPLE
# POSIX threads through -pthread, which gcc and clang both accept on Linux.
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  AC_MSG_CHECKING([for -pthread])
  dl_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]],
      [[pthread_t t; (void)pthread_create(&t, 0, 0, 0);]])],
    [AC_MSG_RESULT([yes]); PTHREAD_CFLAGS=-pthread; PTHREAD_LIBS=-pthread],
    [AC_MSG_RESULT([no]); AC_MSG_ERROR([POSIX threads are required])])
  CFLAGS=$dl_save_CFLAGS
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
