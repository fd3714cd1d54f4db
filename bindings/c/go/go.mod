module licman.dev/verify

go 1.19
