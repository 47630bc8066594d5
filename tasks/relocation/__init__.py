"""易地搬迁后续扶持 (relocation follow-up), quarterly: per 集中安置点, its relocated households with labour and
someone employed, the employment and income of its relocated people, the services it has and, for a large
site, its earmarked funds; the sites of concern flagged, per province and county."""
