package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/estimators/dgp"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/inprocess"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// montecarloScenario is the bench scenario of Monte Carlo studies.
const montecarloScenario = "montecarlo"

// montecarloBenchStudy is the scenario's study: 500 replications of one
// design (n = 100, T = 10, one threshold of slope difference 0.4 at 0.5)
// and 4 estimators (both conventions, residual and wild bootstrap), grid
// 100, B = 300: 2,000 estimations.
func montecarloBenchStudy() montecarlo.Study {
	bs := 300
	design := dgp.Design{Family: dgp.FamilyThreshold, N: dgp.Grid{100}, T: dgp.Grid{10},
		RegimeDependent: []dgp.Regressor{{Name: "x"}}, Thresholds: []float64{0.5}, Slopes: [][]float64{{1}, {1.4}}}
	var estimators []montecarlo.Estimator
	for _, conv := range []string{"xthreg", "hansen"} {
		for _, boot := range []string{"residual", "wild"} {
			estimators = append(estimators, montecarlo.Estimator{Label: conv + " " + boot, Convention: conv, Grid: 100,
				Bootstrap: boot, BS: &bs})
		}
	}
	return montecarlo.Study{Designs: []dgp.Design{design}, Estimators: estimators, Replications: 500, Seed: 1}
}

// montecarloBenchReport is the measurement of the montecarlo scenario.
type montecarloBenchReport struct {
	Scenario    string         `json:"scenario"`
	Machine     map[string]any `json:"machine"`
	Workers     int            `json:"workers"`
	Estimations int            `json:"estimations"`
	// StudySeconds is the study as one montecarlo job, StudyCPUSeconds
	// the CPU time (user and system) the process spent on it: on a shared
	// machine the CPU times compare what the wall times cannot.
	StudySeconds    float64 `json:"study_seconds"`
	StudyCPUSeconds float64 `json:"study_cpu_seconds"`
	// JobsRun is the number of estimations submitted as separate
	// threshold jobs (the first replications' panels, every estimator),
	// JobsSeconds their time and JobsExtrapolatedSeconds that time scaled
	// to all the estimations.
	JobsRun                 int     `json:"jobs_run"`
	JobsInFlight            int     `json:"jobs_in_flight"`
	JobsSeconds             float64 `json:"jobs_seconds"`
	JobsCPUSeconds          float64 `json:"jobs_cpu_seconds"`
	JobsExtrapolatedSeconds float64 `json:"jobs_extrapolated_seconds"`
	JobsExtrapolatedCPU     float64 `json:"jobs_extrapolated_cpu_seconds"`
	// Ratio is the study's time over the separate jobs' (extrapolated),
	// CPURatio the same for CPU times.
	Ratio    float64 `json:"ratio"`
	CPURatio float64 `json:"cpu_ratio"`
	// Power is the 5% rejection rate of the study's first estimator.
	Power float64 `json:"power_5pct"`
}

// runBenchMontecarlo times the scenario's study as one job and the same
// estimations as separately submitted threshold jobs, on one in-process
// cluster with one worker per CPU; the jobs run jobReps replications (all
// estimators each), inFlight at a time, and their time is extrapolated.
func runBenchMontecarlo(ctx context.Context, jobReps, inFlight int, stdout, stderr io.Writer) error {
	study := montecarloBenchStudy()
	jobReps = min(jobReps, study.Replications)
	workers := runtime.NumCPU()
	lc, err := inprocess.Start(ctx, inprocess.Options{Workers: workers})
	if err != nil {
		return fmt.Errorf("start the in-process cluster: %w", err)
	}
	defer lc.Close()
	cl, err := client.New([]string{lc.Addr()})
	if err != nil {
		return err
	}
	defer cl.Close()
	rep := montecarloBenchReport{Scenario: montecarloScenario, Machine: machine(), Workers: workers,
		Estimations: study.Replications * len(study.Estimators), JobsRun: jobReps * len(study.Estimators), JobsInFlight: inFlight}

	fmt.Fprintf(stderr, "bench %s: the study of %d estimations as one job...\n", montecarloScenario, rep.Estimations)
	start, cpu := time.Now(), cpuSeconds()
	results, err := cl.Run(ctx, placeholderData, []*pb.Specification{{Kind: montecarlo.KindName, Spec: study.Encode()}}, nil)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	rep.StudySeconds, rep.StudyCPUSeconds = time.Since(start).Seconds(), cpuSeconds()-cpu
	summary, err := montecarlo.DecodeSummary(results[0])
	if err != nil {
		return err
	}
	rep.Power = float64(summary.Designs[0].Estimators[0].Stages[0].Reject[1].Rate)

	fmt.Fprintf(stderr, "bench %s: study %.1f s; %d estimations as separate jobs...\n", montecarloScenario, rep.StudySeconds, rep.JobsRun)
	start, cpu = time.Now(), cpuSeconds()
	if err := runSeparateJobs(ctx, cl, study, jobReps, rep.JobsInFlight); err != nil {
		return err
	}
	rep.JobsSeconds, rep.JobsCPUSeconds = time.Since(start).Seconds(), cpuSeconds()-cpu
	scale := float64(rep.Estimations) / float64(rep.JobsRun)
	rep.JobsExtrapolatedSeconds, rep.JobsExtrapolatedCPU = rep.JobsSeconds*scale, rep.JobsCPUSeconds*scale
	rep.Ratio = rep.StudySeconds / rep.JobsExtrapolatedSeconds
	rep.CPURatio = rep.StudyCPUSeconds / rep.JobsExtrapolatedCPU
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}

// runSeparateJobs submits every estimator of the first reps replications as
// its own threshold job, inFlight at a time.
func runSeparateJobs(ctx context.Context, cl *client.Client, study montecarlo.Study, reps, inFlight int) error {
	type job struct {
		data   []byte
		config threshold.Config
	}
	jobs := make(chan job)
	errs := make(chan error, inFlight)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				spec := &pb.Specification{Kind: threshold.KindName, Spec: j.config.Encode()}
				if _, err := cl.Run(ctx, j.data, []*pb.Specification{spec}, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for r := range reps {
		data, configs, e := study.Jobs(0, r, nil)
		if e != nil {
			err = e
			break
		}
		for _, c := range configs {
			select {
			case jobs <- job{data, c}:
			case err = <-errs:
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	if err != nil {
		return fmt.Errorf("separate jobs: %w", err)
	}
	return nil
}

// cpuSeconds returns the process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
