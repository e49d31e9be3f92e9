"""Generated province-years of dossiers (manage.py generate_dossiers): the working-time table
(`timeline`), the catalogue and agencies (`world`), one dossier's life (`lifecycle`), the run
(`province`), the writers (`sinks`) and the rates counted back (`rates`)."""
