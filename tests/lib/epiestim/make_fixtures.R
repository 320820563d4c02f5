# Reference values from R's EpiEstim for tests/lib/test_rt.py and tests/lib/test_gammadist.py.
#
# Usage: Rscript tests/lib/epiestim/make_fixtures.R [OUTPUT_DIR]
# (default: the directory of this script). Needs EpiEstim (Debian: r-cran-epiestim).
# Every number is printed with 15 significant digits; NA stays NA.

suppressPackageStartupMessages(library(EpiEstim))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) {
  out_dir <- args[[1]]
} else {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  out_dir <- dirname(normalizePath(sub("^--file=", "", file_arg[[1]])))
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.15g", x))

write_table <- function(df, name) {
  for (col in names(df)) {
    if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  }
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}

write_incidence <- function(dates, local, imported, name) {
  df <- data.frame(date = format(dates, "%Y-%m-%d"), local = as.integer(local))
  if (!is.null(imported)) df$imported <- as.integer(imported)
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}

rt_table <- function(incid, si_mean, si_sd, window, prior_mean, prior_sd) {
  n <- if (is.data.frame(incid)) nrow(incid) else length(incid)
  t_start <- seq(2, n - window + 1)
  config <- make_config(list(
    mean_si = si_mean, std_si = si_sd, t_start = t_start, t_end = t_start + window - 1,
    mean_prior = prior_mean, std_prior = prior_sd
  ))
  res <- suppressWarnings(estimate_R(incid, method = "parametric_si", config = config))
  r <- res$R
  data.frame(
    t_start = as.integer(r$t_start), t_end = as.integer(r$t_end),
    mean = r[["Mean(R)"]], std = r[["Std(R)"]],
    q025 = r[["Quantile.0.025(R)"]], q05 = r[["Quantile.0.05(R)"]], q25 = r[["Quantile.0.25(R)"]],
    median = r[["Median(R)"]], q75 = r[["Quantile.0.75(R)"]], q95 = r[["Quantile.0.95(R)"]],
    q975 = r[["Quantile.0.975(R)"]]
  )
}

cases <- list()
add_case <- function(name, incidence_file, incid, si_mean, si_sd, window, prior_mean, prior_sd) {
  write_table(rt_table(incid, si_mean, si_sd, window, prior_mean, prior_sd), paste0(name, "_rt.csv"))
  cases[[length(cases) + 1]] <<- data.frame(
    name = name, incidence = incidence_file, si_mean = si_mean, si_sd = si_sd,
    window = window, prior_mean = prior_mean, prior_sd = prior_sd
  )
}

# (a) the vignette's example: Flu2009, parametric SI of mean 2.6 and sd 1.5, weekly windows.
data(Flu2009)
flu <- Flu2009$incidence
write_incidence(flu$dates, flu$I, NULL, "flu2009_incidence.csv")
add_case("flu2009", "flu2009_incidence.csv", flu$I, 2.6, 1.5, 7, 5, 5)

# (b) the same epidemic with imported cases: a deterministic split, day 1 has local cases too
# (EpiEstim moves them to imported).
imported <- ifelse(seq_along(flu$I) %% 3 == 0, floor(flu$I / 3), 0)
imported[2] <- 1
local <- flu$I - pmin(imported, flu$I)
local[1] <- 2
imported[1] <- 1
write_incidence(flu$dates, local, imported, "flu2009_imported_incidence.csv")
add_case(
  "flu2009_imported", "flu2009_imported_incidence.csv",
  data.frame(local = local, imported = imported), 2.6, 1.5, 7, 5, 5
)

# (c) another window, prior and serial interval: early windows end before the SI's mean (NA).
add_case("flu2009_w3", "flu2009_incidence.csv", flu$I, 4.8, 2.3, 3, 2, 1)

# (d) a long series with thousands of cases a day (posterior shapes up to ~1e5).
days <- 365
t <- seq_len(days)
long <- round(20 + 9000 * exp(-((t - 150) / 60)^2) + 3000 * exp(-((t - 290) / 35)^2)) *
  c(1.1, 1.05, 1, 1, 0.95, 0.9, 1)[(t %% 7) + 1]
long <- as.integer(round(long))
long_dates <- as.Date("2022-01-01") + seq_len(days) - 1
write_incidence(long_dates, long, NULL, "long_incidence.csv")
add_case("long", "long_incidence.csv", long, 5.2, 2.8, 7, 5, 5)

# (e) a declining epidemic in the hundreds: EpiEstim's MockRotavirus.
data(MockRotavirus)
rota_dates <- as.Date("2020-01-01") + seq_along(MockRotavirus$incidence) - 1
write_incidence(rota_dates, MockRotavirus$incidence, NULL, "rotavirus_incidence.csv")
add_case("rotavirus", "rotavirus_incidence.csv", MockRotavirus$incidence, 8, 4, 10, 1, 2)

write.csv(do.call(rbind, cases), file.path(out_dir, "cases.csv"), row.names = FALSE, quote = FALSE)

# (f) discr_si for several serial intervals.
si_params <- list(c(2.6, 1.5), c(4.8, 2.3), c(1.5, 3), c(7, 0.5), c(15, 10), c(1.01, 0.2))
si <- do.call(rbind, lapply(si_params, function(p) {
  k <- 0:60
  data.frame(mean = p[[1]], sd = p[[2]], k = k, w = discr_si(k, p[[1]], p[[2]]))
}))
write_table(si, "discr_si.csv")

# (g) qgamma and pgamma over shapes from 1e-2 to 1e7.
shapes <- c(0.01, 0.05, 0.3, 1, 1.1378, 2.5, 7.3, 9.99, 10, 15.5, 20, 33.3, 101, 1000, 12345.6,
            1e5, 1e6, 1e7)
ps <- c(0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999)
grid <- expand.grid(p = ps, shape = shapes)
grid$quantile <- qgamma(grid$p, shape = grid$shape)
grid$x_low <- grid$quantile * 0.9
grid$cdf_low <- pgamma(grid$x_low, shape = grid$shape)
grid$x_high <- grid$quantile * 1.1
grid$cdf_high <- pgamma(grid$x_high, shape = grid$shape)
grid$sf_high <- pgamma(grid$x_high, shape = grid$shape, lower.tail = FALSE)
write_table(grid[, c("shape", "p", "quantile", "x_low", "cdf_low", "x_high", "cdf_high", "sf_high")],
            "gamma_grid.csv")

writeLines(
  c(paste("EpiEstim", as.character(packageVersion("EpiEstim"))), R.version.string),
  file.path(out_dir, "versions.txt")
)
