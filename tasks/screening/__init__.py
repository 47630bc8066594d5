"""The Q2 concentrated screening (防止返贫监测帮扶集中排查): its rules as pure pandas steps over one partition's
roster (`core`, `steps`, `lists`), the partition's read and stored findings (`partition`), its reports and
messages (`report`, `announce`), and a period's answer given again (`answer`)."""
