"""The Q2 concentrated screening (防止返贫监测帮扶集中排查): pure pandas steps over one province's roster."""
