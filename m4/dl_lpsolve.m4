# DL_CHECK_LPSOLVE
# Find lp_solve 5.5, which ships no pkg-config file. Sets LPSOLVE_CPPFLAGS and
# LPSOLVE_LIBS. With --with-lpsolve=DIR only DIR is searched; otherwise the
# Debian layout is tried: the shared library lives in /usr/lib/lp_solve,
# outside the loader's default path, so it needs -L plus an rpath; the static
# archive in /usr/lib needs -lcolamd -ldl -lm. AC_CHECK_LIB caches its answer,
# so a loop over candidates uses AC_LINK_IFELSE directly, restoring CPPFLAGS,
# LDFLAGS and LIBS after every probe.
AC_DEFUN([DL_CHECK_LPSOLVE], [
  AC_ARG_WITH([lpsolve],
    [AS_HELP_STRING([--with-lpsolve=DIR],
      [lp_solve 5.5 installation prefix (DIR/include or DIR/include/lpsolve, DIR/lib or DIR/lib/lp_solve)])],
    [], [with_lpsolve=check])
  AS_IF([test "x$with_lpsolve" = xno],
    [AC_MSG_ERROR([lp_solve is required; --without-lpsolve is not supported])])

  AS_IF([test "x$with_lpsolve" = xcheck || test "x$with_lpsolve" = xyes],
    [dl_lp_incs="/usr/include/lpsolve /usr/local/include/lpsolve /usr/include /usr/local/include"
     dl_lp_libs="/usr/lib/lp_solve /usr/lib /usr/local/lib /usr/lib64 /usr/lib/x86_64-linux-gnu"],
    [dl_lp_incs="$with_lpsolve/include/lpsolve $with_lpsolve/include $with_lpsolve"
     dl_lp_libs="$with_lpsolve/lib/lp_solve $with_lpsolve/lib $with_lpsolve/lib64 $with_lpsolve"])

  dl_lpsolve_kind=none
  dl_save_CPPFLAGS=$CPPFLAGS
  dl_save_LDFLAGS=$LDFLAGS
  dl_save_LIBS=$LIBS
  for dl_inc in $dl_lp_incs; do
    test -f "$dl_inc/lp_lib.h" || continue
    for dl_lib in $dl_lp_libs; do
      # Shared library first, with an rpath so the binary runs without
      # LD_LIBRARY_PATH; then the static archive with its dependencies.
      for dl_try in shared static; do
        AS_IF([test $dl_try = shared],
          [test -f "$dl_lib/liblpsolve55.so" || continue
           dl_try_libs="-L$dl_lib -Wl,-rpath,$dl_lib -llpsolve55"],
          [test -f "$dl_lib/liblpsolve55.a" || continue
           dl_try_libs="$dl_lib/liblpsolve55.a -lcolamd -ldl -lm"])
        AC_MSG_CHECKING([for lp_solve in $dl_inc with $dl_try_libs])
        CPPFLAGS="$dl_save_CPPFLAGS -I$dl_inc"
        LIBS="$dl_try_libs $dl_save_LIBS"
        AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <lp_lib.h>]],
            [[lprec *lp = make_lp(0, 1); delete_lp(lp);]])],
          [dl_lp_ok=yes], [dl_lp_ok=no])
        CPPFLAGS=$dl_save_CPPFLAGS
        LDFLAGS=$dl_save_LDFLAGS
        LIBS=$dl_save_LIBS
        AC_MSG_RESULT([$dl_lp_ok])
        AS_IF([test $dl_lp_ok = yes], [
          LPSOLVE_CPPFLAGS="-I$dl_inc"
          LPSOLVE_LIBS="$dl_try_libs"
          dl_lpsolve_kind=$dl_try
          break 3
        ])
      done
    done
  done
  AS_IF([test "x$dl_lpsolve_kind" = xnone],
    [AC_MSG_ERROR([lp_solve 5.5 not found. On Debian: apt-get install liblpsolve55-dev lp-solve; elsewhere pass --with-lpsolve=DIR])])
  AC_SUBST([LPSOLVE_CPPFLAGS])
  AC_SUBST([LPSOLVE_LIBS])
])
