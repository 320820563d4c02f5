"""The measures log (防控措施台账): what each unit did each day — publicity, meetings, closures, sealed
compounds and their guard posts, disinfection — counted once and carried into the daily report (issue 10)."""
