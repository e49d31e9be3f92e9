"""Generated province-years of dossiers for benchmarks (the entry point is
bench/generate_dossiers.py): the working-time table (`timeline`), the catalogue and agencies
(`world`), one dossier's life (`lifecycle`), the run (`province`), the writers (`sinks`), the
rates counted back (`rates`) and one run as the entry point makes it (`report`).

Not part of the application: no app imports it and it is in no INSTALLED_APPS."""
